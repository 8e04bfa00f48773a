"""The operator's step of pinning a stage's key: what `aws kms get-public-key` prints becomes the
JWK the stage itself publishes (the same kid), and a key of another kind is refused."""

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from chalicelib.adapters.signing import FileSigner
from scripts.federation_key import jwk_of


def kms_answer(public_key, spec="ECC_NIST_P256"):
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        "KeyId": "arn:aws-cn:kms:cn-northwest-1:1:key/k",
        "PublicKey": base64.b64encode(der).decode(),
        "KeySpec": spec,
    }


def test_the_printed_jwk_is_the_one_the_stage_publishes(tmp_path):
    signer = FileSigner(tmp_path / "stage.pem")
    key = serialization.load_pem_private_key((tmp_path / "stage.pem").read_bytes(), None)
    assert jwk_of(kms_answer(key.public_key())) == signer.public_jwk


def test_a_key_that_is_not_p256_is_refused():
    with pytest.raises(SystemExit):
        jwk_of(kms_answer(ec.generate_private_key(ec.SECP384R1()).public_key(), "ECC_NIST_P384"))
