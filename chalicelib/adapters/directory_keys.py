"""The anchor's directory key, and the checks of what it signed (JWS ES256, adapters/jws)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.adapters import jws
from chalicelib.adapters.notary import Signer
from chalicelib.domain.directory import MAX_SIGNED_BYTES, invalid_directory


class AnchorKey:
    """The key that signs the directory: the anchor's own, apart from its stage key, so that
    the stage key and the directory key rotate on their own schedules."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer
        self.kid = signer.kid
        self.public_jwk = signer.public_jwk

    def seal(self, payload: Mapping[str, Any]) -> str:
        return jws.sign_compact(payload, self.kid, self._signer.sign)


class JwsDirectoryCheck:
    def opened(self, token: str, keys: list[Mapping[str, str]]) -> dict[str, Any]:
        """The payload of `token` if one of `keys` signed it; invalid_directory otherwise."""
        by_kid: dict[Any, Mapping[str, str]] = {}
        for key in keys:  # the first with a kid counts: the pinned keys come first
            by_kid.setdefault(key.get("kid"), key)
        try:
            _, payload = jws.verify_compact(token, by_kid.get, MAX_SIGNED_BYTES)
        except (jws.BadSignature, jws.UnreadablePayload) as error:
            raise invalid_directory(f"its signature is not the anchor's ({error})") from None
        return payload

    def read(self, token: str) -> dict[str, Any]:
        """The payload of a directory this stage verified before it kept it."""
        return jws.payload_of(token)
