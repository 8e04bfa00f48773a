"""This stage's signing key: an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) in AWS, a PEM
file under `make run` (.local/federation/<stage>.pem). Both sign ES256 and give the raw r‖s
that JWS wants (RFC 7518 §3.4): KMS returns DER, which is converted here."""

from __future__ import annotations

import contextlib
import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from chalicelib.adapters import aws_clients
from chalicelib.adapters.jws import public_jwk

P256_BYTES = 32


def raw_signature(der: bytes) -> bytes:
    """DER ECDSA (what KMS and `cryptography` produce) as JWS's fixed-length r‖s."""
    r, s = decode_dss_signature(der)
    return r.to_bytes(P256_BYTES, "big") + s.to_bytes(P256_BYTES, "big")


class KmsSigner:
    """Signs in KMS: the private key never leaves it. One Sign call per signature."""

    def __init__(self, key_id: str, region: str) -> None:
        self._key_id = key_id
        self._client = aws_clients.client("kms", region)
        self.public_jwk = _public_jwk(self._client, key_id)
        self.kid = self.public_jwk["kid"]

    def sign(self, data: bytes) -> bytes:
        # The digest, not the message: KMS signs at most 4 KB of message, a JWS can be longer.
        answer = self._client.sign(
            KeyId=self._key_id,
            Message=hashlib.sha256(data).digest(),
            MessageType="DIGEST",
            SigningAlgorithm="ECDSA_SHA_256",
        )
        return raw_signature(answer["Signature"])


def kms_public_jwks(key_ids: tuple[str, ...], region: str) -> list[dict[str, str]]:
    """The public halves of KMS keys, as JWKs (one GetPublicKey call each)."""
    if not key_ids:
        return []
    kms = aws_clients.client("kms", region)
    return [_public_jwk(kms, key_id) for key_id in key_ids]


def _public_jwk(kms: Any, key_id: str) -> dict[str, str]:
    der = kms.get_public_key(KeyId=key_id)["PublicKey"]
    return public_jwk(serialization.load_der_public_key(der))


class FileSigner:
    """Signs with a P-256 key kept in a PEM file (stage `local` and its peer under make run)."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            _create_key_file(path)
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(loaded, ec.EllipticCurvePrivateKey)
        self._key = loaded
        self.public_jwk = public_jwk(loaded.public_key())
        self.kid = self.public_jwk["kid"]

    def sign(self, data: bytes) -> bytes:
        return raw_signature(self._key.sign(data, ec.ECDSA(hashes.SHA256())))


def _create_key_file(path: Path) -> None:
    """A new key at `path`, unless another process made one first (then that one is kept)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.write_bytes(pem)
    draft.chmod(0o600)
    with contextlib.suppress(FileExistsError):
        os.link(draft, path)  # atomic: the file appears whole, and only once
    draft.unlink()


@lru_cache(maxsize=8)
def stage_signer(key_arn: str, key_file: str, region: str) -> KmsSigner | FileSigner:
    """The stage's signer, built once per container (KMS: one GetPublicKey call)."""
    if key_arn:
        return KmsSigner(key_arn, region)
    if key_file:
        return FileSigner(Path(key_file))
    raise RuntimeError("this stage has no signing key: set FEDERATION_KEY_ARN or FEDERATION_KEY_FILE")
