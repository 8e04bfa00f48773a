"""The stage's notary: signs with the stage's key (KMS or a file, adapters/signing) and checks
signatures against the pinned directory of stages (domain/federation.Directory)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from chalicelib.adapters import jws
from chalicelib.domain.federation import Directory, invalid_message, refused


class Signer(Protocol):
    kid: str
    public_jwk: dict[str, str]

    def sign(self, data: bytes) -> bytes: ...


class StageNotary:
    def __init__(
        self, signer: Signer, directory: Directory | Callable[[], Directory], here: str = ""
    ) -> None:
        """`directory`: a fixed one, or what gives the one the stage trusts at each moment."""
        self._signer = signer
        self._directory = directory if callable(directory) else (lambda: directory)
        self.here = here or (directory.here if isinstance(directory, Directory) else "")
        self.kid = signer.kid

    @property
    def directory(self) -> Directory:
        """The stages and keys this stage trusts now (the newest signed directory it holds)."""
        return self._directory()

    def sign(self, data: bytes) -> bytes:
        return self._signer.sign(data)

    def verifies(self, stage: str, kid: str, data: bytes, value: str) -> bool:
        """Whether `value` (base64url r‖s) is `stage`'s signature of `data` by its key `kid`."""
        key = self.directory.key(stage, kid)
        if key is None or not isinstance(value, str):
            return False
        try:
            return jws.verify_raw(key, data, jws.unb64url(value))
        except jws.BadSignature:  # not base64url
            return False

    def seal(self, payload: Mapping[str, Any]) -> str:
        return jws.sign_compact(payload, self.kid, self._signer.sign)

    def open(self, token: Any) -> tuple[str, dict[str, Any]]:
        """The stage that signed `token` and its payload; 401 for anything else."""
        signer: list[str] = []

        def key_of(kid: str) -> Mapping[str, str] | None:
            owner = self.directory.owner_of(kid, active_only=True)
            if owner is None:
                return None
            signer.append(owner[0].stage)
            return owner[1]

        try:
            _, payload = jws.verify_compact(token, key_of)
        except jws.BadSignature as error:
            raise refused(str(error)) from None
        except jws.UnreadablePayload as error:
            raise invalid_message(f"its payload is {error}") from None
        return signer[0], payload
