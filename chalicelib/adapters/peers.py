"""Talking to peer stages: the HTTP client that posts signed messages to a peer's
/federation/messages, and the queue that holds them until a peer takes them (SQS: a failed
delivery comes back after a visibility time that grows with each attempt)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from chalicelib.adapters import aws_clients
from chalicelib.domain.federation import Message
from chalicelib.services.ports import DeliveryFailed

TIMEOUT = 5  # seconds: a peer that does not answer by then is retried later
MAX_BACKOFF = 900  # seconds: SQS's visibility limit is 12 h; a quarter hour keeps a day's outage cheap


class HttpPeerClient:
    def post(self, url: str, token: str) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310 - the URL comes from the pinned directory
            url, data=token.encode("ascii"), method="POST", headers={"Content-Type": "application/jose"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read())
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise DeliveryFailed(f"peer unreachable: {type(error).__name__}") from None

    def get(self, url: str) -> tuple[int, dict[str, Any]]:
        """GET a peer's public resource (its change log, for the witness's audit)."""
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 - pinned directory
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read())
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise DeliveryFailed(f"peer unreachable: {type(error).__name__}") from None


class SqsQueue:
    def __init__(self, url: str, region: str) -> None:
        self._url = url
        self._client = aws_clients.client("sqs", region)

    def send(self, message: Message) -> None:
        self._client.send_message(
            QueueUrl=self._url, MessageBody=json.dumps(message.to_view(), ensure_ascii=False)
        )

    def receive(self, wait_seconds: int = 1, limit: int = 10) -> list[dict[str, Any]]:
        answer = self._client.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=limit,
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return list(answer.get("Messages", []))

    def done(self, receipt_handle: str) -> None:
        self._client.delete_message(QueueUrl=self._url, ReceiptHandle=receipt_handle)

    def later(self, receipt_handle: str, attempts: int) -> None:
        """Hold a message back for longer after each failed attempt (backoff)."""
        self._client.change_message_visibility(
            QueueUrl=self._url, ReceiptHandle=receipt_handle, VisibilityTimeout=backoff(attempts)
        )


def backoff(attempts: int) -> int:
    """Seconds before the next attempt: 2, 3, 4, 6, 8, 12 ... growing by half each time, so a
    short outage costs seconds and a long one a delivery attempt every quarter hour."""
    return int(min(1.5 ** min(attempts, 20) + 1, MAX_BACKOFF))


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
