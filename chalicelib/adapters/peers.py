"""Talking to peer stages: the HTTP client that posts signed messages to a peer's
/federation/messages, and the queue that holds them until a peer takes them (SQS: a failed
delivery comes back after a visibility time that grows with each attempt)."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from chalicelib.adapters import aws_clients
from chalicelib.domain.federation import Message
from chalicelib.services.ports import DeliveryFailed
from chalicelib.validation import loads_strict

CONNECT_TIMEOUT = 2  # seconds: a peer that cannot take a connection by then is down
READ_TIMEOUT = 5  # seconds: a peer that took the message but does not answer is retried later
MAX_ANSWER = 64 * 1024  # bytes of a peer's answer read: a receipt is well under 2 KiB
REST = READ_TIMEOUT + 1  # seconds a peer that did not answer rests before it is tried again
MAX_BACKOFF = 900  # seconds: SQS's visibility limit is 12 h; a quarter hour keeps a day's outage cheap


class PeerHealth:
    """Which peers did not answer lately. A peer that timed out rests for REST seconds: its
    messages fail at once (the queue retries them) instead of each costing a timeout, and when
    the rest is over one delivery tries it while the others still wait. So a hung peer costs
    one timeout now and then, never one per message, and never holds up the messages to every
    other peer. Per process (a Lambda container, `make run`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._resting: dict[str, float] = {}

    def may_try(self, peer: str) -> bool:
        with self._lock:
            until = self._resting.get(peer)
            now = time.monotonic()
            if until is None:
                return True
            if now < until:
                return False
            self._resting[peer] = now + CONNECT_TIMEOUT + READ_TIMEOUT  # one probe at a time
            return True

    def failed(self, peer: str) -> None:
        with self._lock:
            self._resting[peer] = time.monotonic() + REST

    def answered(self, peer: str) -> None:
        with self._lock:
            self._resting.pop(peer, None)


HEALTH = PeerHealth()


class HttpPeerClient:
    def post(self, url: str, token: str) -> tuple[int, dict[str, Any]]:
        return _exchange("POST", url, token.encode("ascii"), {"Content-Type": "application/jose"})

    def get(self, url: str, max_answer: int = MAX_ANSWER) -> tuple[int, dict[str, Any]]:
        """GET a peer's public resource (its change log, for the witness's audit; the anchor's
        directory, which may be larger)."""
        return _exchange("GET", url, None, {}, max_answer)

    def post_json(self, url: str, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return _exchange("POST", url, data, {"Content-Type": "application/json"})


def _exchange(
    method: str, url: str, body: bytes | None, headers: dict[str, str], max_answer: int = MAX_ANSWER
) -> tuple[int, dict[str, Any]]:
    """One request to a peer (the URL comes from the directory), with a short connect timeout
    and a bounded read of its answer; DeliveryFailed when it cannot be reached or answer."""
    parts = urlsplit(url)
    peer = parts.netloc
    if not HEALTH.may_try(peer):
        raise DeliveryFailed("peer resting after it did not answer")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname or "", parts.port, timeout=CONNECT_TIMEOUT)
    try:
        connection.connect()
        assert connection.sock is not None
        connection.sock.settimeout(READ_TIMEOUT)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        status, raw = response.status, response.read(max_answer)
    except (OSError, http.client.HTTPException) as error:  # timeouts and refusals are OSErrors
        if isinstance(error, TimeoutError):  # a refused connection costs nothing: no rest for it
            HEALTH.failed(peer)
        raise DeliveryFailed(f"peer unreachable: {type(error).__name__}") from None
    finally:
        connection.close()
    HEALTH.answered(peer)
    return status, _json(raw)


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
    """Seconds before the next attempt: 1, 1, 2, 3, 5, 7, 11 ... growing by half each time, so
    a message that came before the one it needs (a unit before its parent: 409, deliveries run
    side by side) waits a second, a short outage costs seconds and a long one a delivery
    attempt every quarter hour."""
    return max(1, int(min(1.5 ** (min(attempts, 20) - 1), MAX_BACKOFF)))


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = loads_strict(raw)  # a peer's answer is input too: bounded, never a crash
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
