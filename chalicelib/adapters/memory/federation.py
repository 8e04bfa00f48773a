"""The federation repository in memory (adapters/federation_repository.py on DynamoDB)."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.memory.store import NEW, OUTGOING, QUEUED, REFUSED, MemoryStore, Outgoing
from chalicelib.domain.errors import Conflict
from chalicelib.domain.federation import Message

INBOX, PARKED, RECEIPTS, PEER_PROOFS = "fed_inbox", "fed_parked", "fed_receipt", "peer_proof"


class MemoryFederationRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def answer(self, from_stage: str, message_id: str) -> dict[str, Any] | None:
        kept = self._store.records[INBOX].get((from_stage, message_id))
        return None if kept is None else dict(kept["answer"])

    def claim(self, from_stage: str, message_id: str, now: str, stale_before: str) -> dict[str, Any] | None:
        """Take the message id for this delivery (None), unless it was answered (that answer)
        or another delivery holds it (409 `message_in_progress`). A stale claim is taken over."""
        key = (from_stage, message_id)
        kept = self._store.records[INBOX].get(key)
        pending = None if kept is None else kept["pending_since"]
        if kept is None or (pending is not None and pending < stale_before):
            self._store.records[INBOX][key] = {"answer": {}, "pending_since": now}
            return None
        if pending is not None:
            raise Conflict(
                "message_in_progress",
                "This message is being taken by another delivery; retry.",
                "该消息正由另一次投递处理，请稍后重试。",
            )
        return dict(kept["answer"])

    def settle(self, from_stage: str, message_id: str, answer: dict[str, Any]) -> dict[str, Any]:
        self._store.records[INBOX][(from_stage, message_id)] = {"answer": answer, "pending_since": None}
        return answer

    def release(self, from_stage: str, message_id: str) -> None:
        kept = self._store.records[INBOX].get((from_stage, message_id))
        if kept is not None and kept["pending_since"] is not None:
            del self._store.records[INBOX][(from_stage, message_id)]

    def park(self, request_id: str, seq: int, message: Message) -> None:
        self._store.records[PARKED].setdefault(request_id, {})[f"{seq:06d}#{message.message_id}"] = message

    def parked(self, request_id: str) -> list[Message]:
        waiting = self._store.records[PARKED].get(request_id, {})
        return [waiting[key] for key in sorted(waiting)]

    def unpark(self, request_id: str, seq: int, message: Message) -> None:
        self._store.records[PARKED].get(request_id, {}).pop(f"{seq:06d}#{message.message_id}", None)

    def keep_receipt(self, message_id: str, to_stage: str, received_at: str, receipt: str) -> None:
        self._store.records[RECEIPTS][message_id] = (to_stage, received_at, receipt)

    def mirror_proof(self, stage: str, proof: dict[str, Any]) -> None:
        """Keep a peer's proof item unless a later version is kept already."""
        kept = self._store.records[PEER_PROOFS].get((stage, proof["proof_id"]))
        if kept is None or kept["version"] < proof["version"]:
            self._store.records[PEER_PROOFS][(stage, proof["proof_id"])] = dict(proof)

    def peer_proof(self, stage: str, proof_id: str) -> dict[str, Any] | None:
        kept = self._store.records[PEER_PROOFS].get((stage, proof_id))
        return None if kept is None else dict(kept)

    # The outbox of messages to peers: each stays until the peer's receipt or a final refusal

    def unqueued(self, limit: int) -> list[Message]:
        return [waiting.message for waiting in self._in_state(NEW, NEW + "~")][:limit]

    def queued_before(self, moment: str, limit: int) -> list[Message]:
        return [waiting.message for waiting in self._in_state(QUEUED, f"{QUEUED}{moment}")][:limit]

    def refused(self, limit: int) -> list[tuple[Message, dict[str, Any]]]:
        return [(w.message, dict(w.refusal or {})) for w in self._in_state(REFUSED, REFUSED + "~")][:limit]

    def _in_state(self, low: str, high: str) -> list[Outgoing]:
        outgoing: dict[str, Outgoing] = self._store.records[OUTGOING]
        return sorted((w for w in outgoing.values() if low <= w.state <= high), key=lambda w: w.state)

    def mark_queued(self, message: Message, at: str) -> None:
        self._move(message, f"{QUEUED}{at}#{message.message_id}")

    def mark_refused(self, message: Message, at: str, refusal: dict[str, Any]) -> None:
        self._move(message, f"{REFUSED}{at}#{message.message_id}", refusal)

    def _move(self, message: Message, state: str, refusal: dict[str, Any] | None = None) -> None:
        waiting = self._store.records[OUTGOING].get(message.message_id)
        if waiting is None or waiting.state.startswith(REFUSED):
            return  # delivered or refused meanwhile: nothing left to mark
        waiting.state = state
        if refusal is not None:
            waiting.refusal = refusal

    def delivered(self, message: Message) -> None:
        self._store.records[OUTGOING].pop(message.message_id, None)
