"""Federation between stages: receiving a peer's signed messages (each applied once, in order)
and delivering this stage's own, committed in the outbox with the change they report, through
a queue that retries with back-off until the peer takes them (API.md, DESIGN.md)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from chalicelib.domain.catalogue import ProofItem
from chalicelib.domain.clock import Clock, format_time, stamps
from chalicelib.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    RuleViolation,
    Unauthenticated,
    forbidden,
)
from chalicelib.domain.federation import (
    CHECKPOINT_DISPUTED,
    CHECKPOINT_ISSUED,
    FINAL_REFUSALS,
    PROOF_CHANGED,
    REQUEST_CANCEL,
    REQUEST_CREATED,
    REQUEST_EVENT,
    UNIT_REGISTERED,
    Message,
    Refusal,
    as_invalid,
    check_envelope,
    check_speaks_for,
    invalid_message,
    protocol_of,
    refusal_record,
    refused,
    replayed,
)
from chalicelib.domain.text import is_id
from chalicelib.domain.units import Unit
from chalicelib.services.ports import (
    CatalogueRepository,
    DeliveryFailed,
    FederationRepository,
    MessageQueue,
    Notary,
    PeerClient,
)
from chalicelib.validation import clean, validate

MESSAGE_SCHEMA = "federation-message"  # schemas/federation-message.json: every type's body
# A message's JSON as DynamoDB stores it (ASCII escapes: an emoji takes 12 bytes) stays well under
# the 400 KB of an item, so that nothing made of it (a parked message, a request, its trail)
# fails to be written: larger is a 400, never a 500.
MAX_MESSAGE_JSON = 256 * 1024
CLAIM_TIMEOUT = timedelta(seconds=60)  # a delivery's claim on an id outlives no Lambda (30 s)


class CrossStageRelay(Protocol):
    """What the relay does with a peer's messages (services/relay.py)."""

    def take_created(self, message: Message) -> None: ...
    def take_event(self, message: Message) -> bool:
        """Apply a trail event in order; False if it came early (the one before is missing)."""

    def take_cancel(self, message: Message) -> None: ...
    def delivered(self, request_id: str, received_at: str) -> None: ...


class Witness(Protocol):
    """What the witness of the federation's logs does with a peer's messages (services/witness.py)."""

    def take_checkpoint(self, message: Message) -> bool:
        """Take a peer's checkpoint; False if it came early (the one before is missing)."""

    def take_dispute(self, message: Message) -> None: ...


class FederationService:
    def __init__(
        self,
        notary: Notary,
        repo: FederationRepository,
        catalogue: CatalogueRepository,
        relay: CrossStageRelay,
        witness: Witness,
        clock: Clock,
        peers: PeerClient | None = None,
        queue: MessageQueue | None = None,
    ) -> None:
        self._notary = notary
        self._here = notary.here
        self._repo = repo
        self._catalogue = catalogue
        self._relay = relay
        self._witness = witness
        self._clock = clock
        self._now = stamps(clock)
        self._peers = peers
        self._queue = queue

    def directory(self) -> dict[str, Any]:
        return self._notary.directory.to_view()

    # Receiving

    def receive(self, token: Any) -> dict[str, Any]:
        """Check, apply once, answer with this stage's signed receipt. Nothing is written for a
        message that fails a check but, once its signer is known and its id is an id, the final
        refusal itself (400 or 403), given again whenever that id comes back."""
        stage, payload = self._notary.open(token)  # 401: nothing of a stranger's is read further
        protocol_of(payload)  # 409 for a newer protocol, before anything it might name differently
        try:
            message = Message.parse(payload)
        except InvalidInput as error:
            return self._refuse_unread(stage, payload.get("message_id"), error)
        check_envelope(message, stage, self._here, self._clock())
        # The id is claimed before anything is applied: the same id sent twice at once (with
        # two bodies, even) is applied once, and the other delivery answered 409 and retried.
        earlier = self._claim(message.from_stage, message.message_id)
        if earlier is not None:
            return replayed(earlier)  # the same message again: the same answer, applied once
        try:
            answer = self._take(token, payload, message)
        except (InvalidInput, RuleViolation, Unauthenticated) as error:
            # Authenticated, well addressed, and wrong: the peer's bug or its compromise, for
            # good. (A 401 here is about what the body holds: a trail event or checkpoint
            # not signed by its stage.)
            return self._refuse(message.from_stage, message.message_id, as_invalid(error))
        except Forbidden as error:
            return self._refuse(message.from_stage, message.message_id, error)
        except BaseException:
            self._repo.release(message.from_stage, message.message_id)  # retried: 409, 5xx
            raise
        return self._repo.settle(message.from_stage, message.message_id, answer)

    def _take(self, token: str, payload: dict[str, Any], message: Message) -> dict[str, Any]:
        """Check and apply the message; its receipt, signed by this stage."""
        self._check(payload)
        self._apply(message)
        received_at = self._now()
        receipt = self._notary.seal(
            {
                "message_id": message.message_id,
                "message_sha256": hashlib.sha256(token.encode("ascii")).hexdigest(),
                "from_stage": message.from_stage,
                "stage": self._here,
                "received_at": received_at,
            }
        )
        return {"message_id": message.message_id, "received_at": received_at, "receipt": receipt}

    def _claim(self, stage: str, message_id: str) -> dict[str, Any] | None:
        now = self._clock()
        return self._repo.claim(stage, message_id, format_time(now), format_time(now - CLAIM_TIMEOUT))

    def _refuse(self, stage: str, message_id: str, error: DomainError) -> dict[str, Any]:
        """Keep the final refusal under the id and give it."""
        return replayed(self._repo.settle(stage, message_id, refusal_record(error)))

    def _refuse_unread(self, stage: str, message_id: Any, error: InvalidInput) -> dict[str, Any]:
        """A signed message whose envelope is malformed: refused for good, and remembered when
        its id is an id (the same id gets the same answer, whatever comes with it next)."""
        refusal = as_invalid(error)
        if not (isinstance(message_id, str) and is_id(message_id)):
            raise refusal
        earlier = self._claim(stage, message_id)
        return replayed(earlier) if earlier is not None else self._refuse(stage, message_id, refusal)

    def _check(self, payload: dict[str, Any]) -> None:
        """The message against its type's schema (schemas/federation-message.json): the same
        field rules as the public API's bodies, after the same cleaning of text and numbers."""
        if clean(payload) != payload:  # a peer sends what it stored, which was cleaned so
            raise invalid_message("text is not as a stage stores it (trimmed)")
        if len(json.dumps(payload)) > MAX_MESSAGE_JSON:
            raise invalid_message(f"it is longer than {MAX_MESSAGE_JSON // 1024} KiB as stored")
        try:
            validate(MESSAGE_SCHEMA, payload)
        except InvalidInput as error:
            raise invalid_message(f"it does not match {MESSAGE_SCHEMA}.json", error.details) from None

    def _apply(self, message: Message) -> None:
        appliers: dict[str, Callable[[Message], None]] = {
            UNIT_REGISTERED: self._take_unit,
            PROOF_CHANGED: self._take_proof,
            REQUEST_CREATED: self._take_request,
            REQUEST_EVENT: self._take_event,
            REQUEST_CANCEL: self._take_cancel,
            CHECKPOINT_ISSUED: self._take_checkpoint,
            CHECKPOINT_DISPUTED: self._witness.take_dispute,
        }
        try:
            appliers[message.type](message)
        except (LookupError, TypeError, ValueError, AttributeError):  # KeyError, IndexError too
            raise invalid_message(f"its body is not a valid {message.type}") from None

    def _take_unit(self, message: Message) -> None:
        unit = Unit.from_dict(message.body)
        check_speaks_for(message, unit.stage)
        if unit.parent_unit is not None:  # as POST /units checks it (the parent's message may be late)
            parent = self._catalogue.get_unit(unit.parent_unit)
            if parent is None:
                raise Conflict(
                    "unit_not_known_yet",
                    "The parent unit is not known here yet.",
                    "上级单位尚未同步到本平台。",
                )
            unit.check_parent(parent)  # 422 in the public API: a 400 here
        known = self._catalogue.get_unit(unit.unit_id)
        if known is None:
            try:
                self._catalogue.add_unit(unit)
                return
            except Conflict:
                known = self._catalogue.get_unit(unit.unit_id)
        if known is not None and known.stage != unit.stage:
            raise Conflict(
                "unit_exists",
                f"Unit '{unit.unit_id}' is homed on stage '{known.stage}'.",
                f"单位“{unit.unit_id}”已属于其他平台。",
                {"unit_id": unit.unit_id, "stage": known.stage},
            )

    def _take_proof(self, message: Message) -> None:
        if message.body["stage"] != message.from_stage:
            raise forbidden()  # a stage speaks for its own catalogue only
        self._home_of(message, message.body.get("issuing_unit"))
        # A whole, consistent item, as the public API would have taken it (422 rules: a 400 here)
        ProofItem.from_view(message.body).check_consistent()
        self._repo.mirror_proof(message.from_stage, message.body)

    def _take_request(self, message: Message) -> None:
        request = message.body.get("request", {})
        self._home_of(message, request.get("requester_unit"))
        self._relay.take_created(message)
        self._apply_parked(str(request.get("request_id")), self._relay.take_event, _event_seq)

    def _take_cancel(self, message: Message) -> None:
        self._home_of(message, message.body.get("requester_unit"))
        self._relay.take_cancel(message)

    def _take_event(self, message: Message) -> None:
        self._in_order(str(message.body.get("request_id")), message, self._relay.take_event, _event_seq)

    def _take_checkpoint(self, message: Message) -> None:
        key = f"checkpoints-of-{message.from_stage}"
        self._in_order(key, message, self._witness.take_checkpoint, _checkpoint_number)

    def _in_order(
        self, key: str, message: Message, take: Callable[[Message], bool], position: Callable[[Message], int]
    ) -> None:
        """Take a message of a sequence (a request's trail, a stage's checkpoints); one that
        came before its turn waits, parked, and is taken once the ones before it are."""
        if not take(message):
            self._repo.park(key, position(message), message)
            # The one before may have been applied by another delivery between the take and
            # the park (two messages of one request arrive at once): what is due now is taken
            # here, or there, never by nobody.
        self._apply_parked(key, take, position)

    def _apply_parked(
        self, key: str, take: Callable[[Message], bool], position: Callable[[Message], int]
    ) -> None:
        """Take, in order, the parked messages that are now due."""
        for early in self._repo.parked(key):
            if not take(early):
                return
            self._repo.unpark(key, position(early), early)

    def _home_of(self, message: Message, unit_id: Any) -> None:
        """The unit the message speaks for must be homed on its sender (403); a unit not known
        here yet is a 409, which the sender retries: its registration is on the way."""
        unit = self._catalogue.get_unit(unit_id) if isinstance(unit_id, str) and unit_id else None
        if unit is None:
            raise Conflict(
                "unit_not_known_yet", "The unit is not known here yet.", "该单位尚未同步到本平台。"
            )
        check_speaks_for(message, unit.stage)

    # Sending. A message stays in this stage's table until the peer's receipt or its final
    # refusal; the queue only paces the attempts (docs/federation.md, "Delivery").

    def forward(self, limit: int = 50) -> int:
        """Hand the messages committed since the last run to the delivery queue."""
        return self._hand_to_queue(self._repo.unqueued(limit))

    def requeue(self, held_longer_than: timedelta, limit: int = 1000) -> int:
        """Put back on the queue the messages it was given longer ago than it keeps any: SQS
        drops a message after its retention period, and the row here is what remains of it.
        (At most `limit` a run: the next run takes the rest.)"""
        return self._hand_to_queue(
            self._repo.queued_before(format_time(self._clock() - held_longer_than), limit)
        )

    def _hand_to_queue(self, messages: list[Message]) -> int:
        assert self._queue is not None, "forwarding needs the delivery queue"
        for message in messages:
            self._queue.send(message)
            self._repo.mark_queued(message, self._now())
        return len(messages)

    def deliver(self, message: Message) -> Refusal | None:
        """Sign and send one message to its peer now. None once the peer's receipt is kept; the
        Refusal when the peer refused it for good (kept with the message, never sent again);
        DeliveryFailed (unreachable, or any other answer) leaves it for a retry."""
        assert self._peers is not None, "delivering needs a peer client"
        member = self._notary.directory.member(message.to_stage)
        if member is None or not member.api_url:
            raise DeliveryFailed(f"stage {message.to_stage} is not in the directory")
        sent = Message(**{**message.to_view(), "sent_at": self._now()})
        status, answer = self._peers.post(
            f"{member.api_url}/federation/messages", self._notary.seal(sent.to_view())
        )
        if status in FINAL_REFUSALS:
            refusal = Refusal.of(status, answer, self._now())
            self._repo.mark_refused(message, refusal.at, refusal.to_view())
            return refusal
        if status != 200:
            raise DeliveryFailed(f"{message.to_stage} answered {status} {answer.get('code', '')}")
        signer, receipt = self._notary.open(answer.get("receipt"))
        if signer != message.to_stage or receipt.get("message_id") != message.message_id:
            raise refused("the receipt is not the peer's receipt of this message")
        self._repo.keep_receipt(
            message.message_id, message.to_stage, answer["received_at"], answer["receipt"]
        )
        if message.type == REQUEST_CREATED:
            self._relay.delivered(message.body["request"]["request_id"], answer["received_at"])
        self._repo.delivered(message)  # last: a failure before it sends the message again, harmlessly
        return None


def _event_seq(message: Message) -> int:
    return int(message.body["event"]["seq"])


def _checkpoint_number(message: Message) -> int:
    return int(message.body["checkpoint"]["number"])
