"""The relay's side of a peer stage's messages: the copies of cross-stage requests.

The requester's stage records a request's creation; the target's stage takes the request,
alerts the target unit and records every event after, each sent back to the requester's
copy, which follows it event for event (API.md, Federation between stages)."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.domain.clock import parse_time
from chalicelib.domain.errors import Conflict, forbidden, validation_error
from chalicelib.domain.federation import Message, refused
from chalicelib.domain.relay import Status, Subject, VerificationRequest
from chalicelib.services.ports import CatalogueRepository, Notary, Owed, RelayRepository, StaleWrite
from chalicelib.services.relay import REFUSED_DISPOSITIONS, RelayService, counts_of
from chalicelib.services.retry import committed, until_written
from chalicelib.services.signed_trail import SignedTrail

# What the requester's stage tells its unit when the target's stage reports an event.
REQUESTER_ALERTS = {
    "accepted": "verification.accepted",
    "completed": "verification.completed",
    "rejected": "verification.rejected",
    "overdue": "verification.overdue",
    "cancelled": "verification.cancelled",  # confirms the cancellation this stage asked for
}


class PeerRequests:
    def __init__(
        self,
        relay: RelayService,
        repo: RelayRepository,
        catalogue: CatalogueRepository,
        notary: Notary,
        now: Callable[[], str],
    ) -> None:
        self._relay = relay
        self._repo = repo
        self._catalogue = catalogue
        self._trail = SignedTrail(notary)
        self._here = notary.here
        self._now = now

    def take_created(self, message: Message) -> None:
        """A request to a unit homed here, created on the requester's stage."""
        view, event = message.body["request"], self._trail.received(message.body["event"], message.from_stage)
        if event.seq != 1 or event.prev_hash is not None or event.type != "created":
            raise refused("a request begins with its created event")
        linked = {"commitment_id": view["commitment_id"]} if view["commitment_id"] else None
        if (event.actor, event.at, event.detail) != (view["requester_unit"], view["created_at"], linked):
            raise validation_error("The created event is not the request's.", "创建事件与协查请求不符。")
        if parse_time(view["due_at"]) <= parse_time(view["created_at"]):  # ValueError: 400 too
            raise validation_error("A request is due after it is made.", "协查请求的期限须晚于创建时间。")
        self._check_proof(view["proof_id"])
        target = self._catalogue.get_unit(view["target_unit"])
        if target is None or target.stage != self._here or view["target_stage"] != self._here:
            raise forbidden()  # not a unit of this stage
        if view["requester_stage"] != message.from_stage:
            raise forbidden()
        if self._repo.get(view["request_id"]) is not None:
            return  # taken before
        request = VerificationRequest(
            request_id=view["request_id"],
            requester_unit=view["requester_unit"],
            target_unit=view["target_unit"],
            proof_id=view["proof_id"],
            subject=Subject.parse(view["subject"]),  # the ID number checked as the public API checks it
            case_ref=view["case_ref"],
            purpose=view["purpose"],
            status=Status.PENDING,
            created_at=view["created_at"],
            due_at=view["due_at"],
            updated_at=view["updated_at"],
            trail_seq=1,
            trail_hash=event.hash,
            state_seq=1,
            requester_stage=message.from_stage,
            target_stage=self._here,
            recorded_on=self._here,
            commitment_id=view.get("commitment_id"),
        )
        alerts = self._relay.alerts_for(request, "verification.requested", [request.target_unit], self._now())
        try:
            committed(lambda: self._repo.create(request, event, Owed(alerts, {"requests": 1})))
        except StaleWrite:
            return  # the same message, applied at the same moment by another delivery

    def _check_proof(self, proof_id: str) -> None:
        """The proof asked for, judged by this stage's own catalogue as the public API judges a
        request here: one unknown, cancelled or replaced by an existing credential is refused."""
        proof = self._catalogue.get_proof(proof_id, consistent=False)
        if proof is None or proof.disposition in REFUSED_DISPOSITIONS:
            raise validation_error(
                "The proof item is unknown here, or may not be asked for.",
                "该证明事项在本平台不存在或不得索要。",
            )

    def take_event(self, message: Message) -> bool:
        """Follow the target's stage by one event; False if an event before it is missing."""
        request_id = message.body["request_id"]

        def attempt() -> bool:
            copy = self._repo.get(request_id)
            if copy is None:
                return False  # its creation has not arrived yet (or went elsewhere)
            if copy.target_stage != message.from_stage or copy.requester_stage != self._here:
                raise forbidden()  # only the target's stage writes a cross-stage trail
            seq = int(message.body["event"]["seq"])
            if seq <= copy.trail_seq:
                return True  # applied before
            if seq > copy.trail_seq + 1:
                return False
            event = self._trail.received(message.body["event"], message.from_stage)
            if event.prev_hash != copy.trail_hash:
                raise refused("the event does not follow the trail")
            after = copy.following(message.body["state"], event)
            told = REQUESTER_ALERTS.get(event.type)  # viewed and alerted events tell no one
            alerts = self._relay.alerts_for(after, told, [copy.requester_unit], self._now()) if told else []
            self._repo.update(copy, after, event, Owed(alerts, counts_of(copy, after, event.at)))
            return True

        return until_written(attempt)

    def take_cancel(self, message: Message) -> None:
        """The requester's stage cancels its request to a unit here. One already answered is
        left as it is: the answer is on its way back, and the requester's side finds it moot."""
        request = self._repo.get(message.body["request_id"])
        if request is None:  # its creation may still be on the way: the sender retries
            raise Conflict(
                "request_not_known_yet", "The request is not known here yet.", "该协查请求尚未同步到本平台。"
            )
        if request.requester_stage != message.from_stage or request.target_stage != self._here:
            raise forbidden()
        if message.body["requester_unit"] != request.requester_unit or request.commitment_id is None:
            raise validation_error(
                "Only the request's requester cancels it, and only a request that checks a commitment.",
                "只有请求方可撤销协查请求，且仅限核查告知承诺的请求。",
            )
        self._relay.cancel(request.request_id, message.body["reason"])  # written here: cancelled here

    def delivered(self, request_id: str, received_at: str) -> None:
        self._repo.mark_delivered(request_id, received_at)
