"""Stage keys and JWS: what KMS returns (DER) becomes JWS's r‖s; a compact JWS verifies only
with the key that signed it, unchanged."""

import hashlib

import boto3
import pytest
from botocore.stub import Stubber
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from chalicelib.adapters import aws_clients, jws
from chalicelib.adapters.signing import FileSigner, KmsSigner


@pytest.fixture
def signer(tmp_path):
    return FileSigner(tmp_path / "stage.pem")


def test_a_file_signer_makes_its_key_once_and_keeps_it(tmp_path):
    first, again = FileSigner(tmp_path / "k.pem"), FileSigner(tmp_path / "k.pem")
    assert first.public_jwk == again.public_jwk
    assert (tmp_path / "k.pem").stat().st_mode & 0o077 == 0  # readable by its owner only


def test_a_signature_is_64_bytes_and_verifies_with_the_public_jwk_only_for_its_data(signer):
    raw = signer.sign(b"abc")
    assert len(raw) == 64
    assert jws.verify_raw(signer.public_jwk, b"abc", raw)
    assert not jws.verify_raw(signer.public_jwk, b"abd", raw)


def test_the_kid_is_the_rfc_7638_thumbprint(signer):
    jwk = signer.public_jwk
    canonical = f'{{"crv":"P-256","kty":"EC","x":"{jwk["x"]}","y":"{jwk["y"]}"}}'
    assert jwk["kid"] == jws.b64url(hashlib.sha256(canonical.encode()).digest())


def test_a_compact_jws_verifies_with_its_key_and_carries_its_payload(signer):
    token = jws.sign_compact({"a": "中文"}, signer.kid, signer.sign)
    header, payload = jws.verify_compact(token, {signer.kid: signer.public_jwk}.get)
    assert (header["alg"], header["kid"], payload) == ("ES256", signer.kid, {"a": "中文"})


def test_a_jws_by_an_unknown_key_or_changed_after_signing_does_not_verify(signer, tmp_path):
    other = FileSigner(tmp_path / "other.pem")
    token = jws.sign_compact({"a": 1}, other.kid, other.sign)
    with pytest.raises(jws.BadSignature):
        jws.verify_compact(token, {signer.kid: signer.public_jwk}.get)
    head, _, sig = jws.sign_compact({"a": 1}, signer.kid, signer.sign).split(".")
    other_payload = jws.b64url(b'{"a":2}')
    changed = f"{head}.{other_payload}.{sig}"
    with pytest.raises(jws.BadSignature):
        jws.verify_compact(changed, {signer.kid: signer.public_jwk}.get)


@pytest.mark.parametrize("alg", ["none", "HS256", "ES384"])
def test_a_jws_with_another_algorithm_is_refused(signer, alg):
    header = jws.b64url(f'{{"alg":"{alg}","kid":"{signer.kid}"}}'.encode())
    token = f"{header}.{jws.b64url(b'{}')}.{jws.b64url(signer.sign(b'x'))}"
    with pytest.raises(jws.BadSignature):
        jws.verify_compact(token, {signer.kid: signer.public_jwk}.get)


def test_kms_signs_the_digest_and_its_der_signature_becomes_r_and_s(monkeypatch):
    # KMS itself is not reachable here: a stubbed client answers as KMS does (a DER
    # SubjectPublicKeyInfo, a DER ECDSA signature over the digest it was given).
    key = ec.generate_private_key(ec.SECP256R1())
    client = boto3.client(
        "kms", region_name="cn-northwest-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(client)
    der_public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    stub.add_response("get_public_key", {"PublicKey": der_public}, {"KeyId": "arn:aws-cn:kms:k"})
    digest = hashlib.sha256(b"event-hash").digest()
    der_signature = key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    expected = {
        "KeyId": "arn:aws-cn:kms:k",
        "Message": digest,
        "MessageType": "DIGEST",
        "SigningAlgorithm": "ECDSA_SHA_256",
    }
    stub.add_response("sign", {"Signature": der_signature}, expected)
    monkeypatch.setattr(aws_clients, "client", lambda *_, **__: client)
    with stub:
        signer = KmsSigner("arn:aws-cn:kms:k", "cn-northwest-1")
        raw = signer.sign(b"event-hash")
    assert jws.verify_raw(signer.public_jwk, b"event-hash", raw)
