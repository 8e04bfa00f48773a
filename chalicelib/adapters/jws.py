"""JWS compact serialization with ES256 (RFC 7515, RFC 7518 §3.4) and EC P-256 JWKs with
RFC 7638 thumbprints as their `kid`. Signing goes through a signer (KMS or a key file), so
this module only frames and checks."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from chalicelib.validation import loads_strict

P256 = 32
MAX_TOKEN = 256 * 1024  # a message is a few kilobytes; anything far larger is refused unread
MAX_HEADER = 1024  # characters of the header part: `{"alg":"ES256","kid":"<43 characters>"}` is 80


class BadSignature(Exception):
    """A JWS that is malformed, signed with an unknown key, or whose signature fails."""


class UnreadablePayload(Exception):
    """A JWS whose signature holds but whose payload is not a JSON object: its signer's fault."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    if not text.isascii():
        raise BadSignature("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as error:
        raise BadSignature("not base64url") from error


def public_jwk(key: Any) -> dict[str, str]:
    """The JWK of an EC P-256 public key, with its RFC 7638 thumbprint as `kid`."""
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ValueError("a stage key must be EC P-256")
    numbers = key.public_numbers()
    jwk = {
        "crv": "P-256",
        "kty": "EC",
        "x": b64url(numbers.x.to_bytes(P256, "big")),
        "y": b64url(numbers.y.to_bytes(P256, "big")),
    }
    thumbprint = hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()).digest()
    return {**jwk, "kid": b64url(thumbprint), "alg": "ES256", "use": "sig"}


def public_key(jwk: Mapping[str, str]) -> ec.EllipticCurvePublicKey:
    x = int.from_bytes(unb64url(jwk["x"]), "big")
    y = int.from_bytes(unb64url(jwk["y"]), "big")
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def verify_raw(jwk: Mapping[str, str], data: bytes, raw: bytes) -> bool:
    """Whether `raw` (r‖s) is an ES256 signature of `data` by the key `jwk`."""
    if len(raw) != 2 * P256:
        return False
    der = encode_dss_signature(int.from_bytes(raw[:P256], "big"), int.from_bytes(raw[P256:], "big"))
    try:
        public_key(jwk).verify(der, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def sign_compact(payload: Mapping[str, Any], kid: str, sign: Callable[[bytes], bytes]) -> str:
    header = {"alg": "ES256", "kid": kid}
    signing_input = f"{_part(header)}.{_part(payload)}"
    return f"{signing_input}.{b64url(sign(signing_input.encode('ascii')))}"


KeyLookup = Callable[[str], Mapping[str, str] | None]


def verify_compact(
    token: str, key_of: KeyLookup, max_token: int = MAX_TOKEN
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and payload of `token` if it is an ES256 JWS by a key `key_of(kid)` knows."""
    if not isinstance(token, str) or len(token) > max_token or not token.isascii():
        raise BadSignature("not a compact JWS")
    parts = token.split(".")
    if len(parts) != 3:
        raise BadSignature("not a compact JWS")
    # Only the header is read before the signature is checked, and it is small: whatever a
    # stranger sends costs one bounded parse and one signature check at most.
    if len(parts[0]) > MAX_HEADER:
        raise BadSignature("the header is too long")
    header = _json(parts[0])
    if header.get("alg") != "ES256" or not isinstance(header.get("kid"), str) or "crit" in header:
        raise BadSignature("not ES256 with a kid")
    jwk = key_of(header["kid"])
    if jwk is None:
        raise BadSignature("unknown key")
    if not verify_raw(jwk, f"{parts[0]}.{parts[1]}".encode("ascii"), unb64url(parts[2])):
        raise BadSignature("bad signature")
    try:
        return header, _json(parts[1])
    except BadSignature as error:
        raise UnreadablePayload(str(error)) from None


def payload_of(token: str) -> dict[str, Any]:
    """The payload of a JWS this stage verified before it kept it (not verified again: the key
    that signed it may have been rotated out since)."""
    return _json(token.split(".")[1])


def _part(value: Mapping[str, Any]) -> str:
    return b64url(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _json(part: str) -> dict[str, Any]:
    try:
        value = loads_strict(unb64url(part))
    except ValueError as error:
        raise BadSignature("not JSON") from error
    if not isinstance(value, dict):
        raise BadSignature("not a JSON object")
    return value
