"""Idempotency-Key support on Powertools' idempotency utility, stored in DynamoDB.

A key is scoped to the caller and the operation. Stored: a hash of the key and scope, a hash of
the body (to spot a reused key), and the first response, which holds ids and statuses only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chalicelib.domain.errors import Conflict
from chalicelib.settings import Settings

DAY = 24 * 60 * 60
WAIT_SECONDS = 10.0  # how long a retry waits for the first request with its key to finish


# Powertools' idempotency utility is imported when first used (about 25 ms of imports): only
# retried writes need it, not every cold start.


class PowertoolsIdempotency:
    def __init__(self, settings: Settings) -> None:
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        self._store = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name)

    def once(
        self,
        scope: str,
        key: str,
        payload: Any,
        produce: Callable[[], dict[str, Any]],
        lambda_context: Any = None,
    ) -> dict[str, Any]:
        """Run `produce` once per (scope, key); later calls get its first result back."""
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        config = IdempotencyConfig(
            event_key_jmespath="[scope, key]",
            payload_validation_jmespath="payload",
            expires_after_seconds=DAY,
            raise_on_no_idempotency_key=True,
        )
        if lambda_context is not None:
            # Lets a request that dies mid-way release its key when the invocation times out.
            config.register_lambda_context(lambda_context)

        @idempotent_function(  # type: ignore[untyped-decorator]
            data_keyword_argument="request", persistence_store=self._store, config=config
        )
        def first_response(request: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG001 - keyed by Powertools
            return produce()

        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                answer: dict[str, Any] = first_response(
                    request={"scope": scope, "key": key, "payload": payload}
                )
                return answer
            except IdempotencyValidationError:
                raise Conflict(
                    "idempotency_key_reused",
                    "This Idempotency-Key was already used with a different body.",
                    "该幂等键已用于内容不同的请求。",
                ) from None
            except IdempotencyAlreadyInProgressError:
                if time.monotonic() > deadline:
                    raise Conflict(
                        "idempotency_in_progress",
                        "A request with this Idempotency-Key is still being processed; retry.",
                        "使用该幂等键的请求仍在处理中，请稍后重试。",
                    ) from None
                time.sleep(0.05)
