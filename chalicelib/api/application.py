"""The Chalice application object, with per-thread request state.

Chalice keeps `current_request` and `lambda_context` on the app object. In Lambda one process
serves one request at a time, but `chalice local` serves requests on several threads at once,
where a shared attribute would let one request read another's body. Thread-local storage
keeps each request to itself and costs nothing in Lambda.
"""

from __future__ import annotations

import threading
from typing import Any

from chalice import Chalice


class ThreadSafeChalice(Chalice):
    _state = threading.local()

    @property  # type: ignore[override]
    def current_request(self) -> Any:
        return getattr(self._state, "request", None)

    @current_request.setter
    def current_request(self, value: Any) -> None:
        self._state.request = value

    @property  # type: ignore[override]
    def lambda_context(self) -> Any:
        return getattr(self._state, "context", None)

    @lambda_context.setter
    def lambda_context(self, value: Any) -> None:
        self._state.context = value
