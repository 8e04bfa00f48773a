"""The JWK of a stage's federation key, for the pinned directory (infra/federation.json).

    aws kms get-public-key --key-id alias/proof-free-<stage>-federation --region cn-northwest-1 \\
        | python -m scripts.federation_key

Reads the JSON that `aws kms get-public-key` prints (its PublicKey is base64 DER) and prints
the key as a JWK with its RFC 7638 thumbprint as `kid`, as the stages publish and check it."""

from __future__ import annotations

import base64
import json
import sys

from cryptography.hazmat.primitives.serialization import load_der_public_key

from chalicelib.adapters.jws import public_jwk


def jwk_of(answer: dict[str, str]) -> dict[str, str]:
    if answer.get("KeySpec", "ECC_NIST_P256") != "ECC_NIST_P256":
        raise SystemExit("a stage's federation key is ECC_NIST_P256")
    return public_jwk(load_der_public_key(base64.b64decode(answer["PublicKey"])))


if __name__ == "__main__":
    print(json.dumps(jwk_of(json.load(sys.stdin)), indent=1))
