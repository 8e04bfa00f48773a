"""What the services need from the outside world: storage (repositories, the outbox), the
alert publisher and the stage's notary (its signing key and the federation's directory).
chalicelib/adapters implements them with DynamoDB, SNS and KMS. They are typing and
layer boundaries: mypy checks the adapters against them, and the import-linter contract keeps
services from importing adapters; unit tests use small fakes of their own where a rule is worth
testing without DynamoDB (tests/unit/test_alert_dispatch.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.working_days import DayCount  # a default value, needed at run time

if TYPE_CHECKING:  # annotations only: importing every capability's domain here cost a cold start ~10 ms
    from chalicelib.domain.alerts import Alert
    from chalicelib.domain.catalogue import ProofItem
    from chalicelib.domain.changelog import ChainHead, ChangeRecord
    from chalicelib.domain.commitments import Commitment
    from chalicelib.domain.federation import Directory, Message
    from chalicelib.domain.lost_notices import LostNotice
    from chalicelib.domain.matters import Matter
    from chalicelib.domain.relay import VerificationRequest
    from chalicelib.domain.supervision import Complaint, Inspection
    from chalicelib.domain.trail import TrailEvent
    from chalicelib.domain.units import Unit


class Notary(Protocol):
    """The stage's key and the federation's directory: signs what this stage records and
    sends; checks what stages signed (adapters/notary.py)."""

    kid: str
    here: str  # this stage

    @property
    def directory(self) -> Directory:
        """The stages and keys this stage trusts now."""

    def sign(self, data: bytes) -> bytes:
        """ES256 signature (raw r‖s) by this stage's key."""

    def verifies(self, stage: str, kid: str, data: bytes, value: str) -> bool:
        """Whether `value` (base64url r‖s) is `stage`'s signature of `data` by its key `kid`."""

    def seal(self, payload: Mapping[str, Any]) -> str:
        """`payload` as a JWS compact serialization signed by this stage."""

    def open(self, token: Any) -> tuple[str, dict[str, Any]]:
        """The stage that signed the JWS `token`, and its payload; Unauthenticated otherwise."""


class Calendar(Protocol):
    """China's official working days and the stage's closures (adapters/official_calendar.py)."""

    def deadline(self, start: datetime, days: int, count: DayCount = DayCount.WORKING) -> datetime:
        """The same clock time `days` days after `start`, counted as `count` says."""


@dataclass(frozen=True)
class Owed:
    """What one change writes besides its own record, committed with it in one transaction (the
    change's unit of work): the alerts it owes partner agencies (the outbox), the counters it
    moves (GET /stats) and the messages it owes peer stages."""

    alerts: Sequence[Alert] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    messages: Sequence[Message] = ()

    def __bool__(self) -> bool:
        """Whether the change owes anything besides its record."""
        return bool(self.alerts or self.counts or self.messages)


NOTHING_OWED = Owed()


# A position in a listing, as the storage layer understands it; opaque to the services.
PageKey = dict[str, Any]


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    next_key: PageKey | None


@dataclass(frozen=True)
class ProofFilter:
    disposition: str | None = None
    issuing_unit: str | None = None
    text: str | None = None


class CatalogueRepository(Protocol):
    """Reads are strongly consistent unless `consistent=False`: decisions read strongly, while
    public views of the catalogue read eventually consistent at half the capacity (docs/benchmarks.md)."""

    def get_unit(self, unit_id: str, consistent: bool = True) -> Unit | None: ...

    def add_unit(self, unit: Unit, owed: Owed = NOTHING_OWED) -> None:
        """Store a new unit, with the messages that tell peer stages of it; raise Conflict
        `unit_exists` if the id is taken (here, or by a peer's unit known here)."""

    def home_units(self, limit: int, start: PageKey | None) -> Page[Unit]:
        """The units homed on this stage, by id."""

    def send(self, messages: Sequence[Message]) -> None:
        """Commit messages to peer stages that report no change of their own (at most 25: one
        transaction), to be delivered as every other message is."""

    def get_proof(self, proof_id: str, consistent: bool = True) -> ProofItem | None: ...

    def get_proofs(self, proof_ids: list[str]) -> dict[str, ProofItem]: ...

    def save_proof(
        self,
        before: ProofItem | None,
        after: ProofItem,
        make_record: Callable[[ChainHead | None], ChangeRecord],
        owed: Owed,
    ) -> ChangeRecord:
        """Write `after` only if the stored item is still `before` (absent when None), with its
        change record appended to the chain, its alerts and the counters moved, in one transaction.
        Raise Conflict `proof_exists` or `version_conflict` when the condition fails."""

    def list_proofs(self, where: ProofFilter, limit: int, start: PageKey | None) -> Page[ProofItem]: ...

    def list_changes(self, since: str | None, limit: int, start: PageKey | None) -> Page[ChangeRecord]: ...

    def get_matter(self, matter_code: str, consistent: bool = True) -> Matter | None: ...

    def add_matter(self, matter: Matter) -> None:
        """Store a new matter; raise Conflict `matter_exists` if the code is taken."""

    def catalogue_counts(self) -> dict[str, int]:
        """Current number of items per disposition, kept by save_proof."""


class StaleWrite(Exception):
    """The stored record changed since it was read: read it again and retry."""


class Contended(Exception):
    """Another transaction held one of the write's items at the same moment: nothing was
    written, and the same write may be sent again (services/retry.py)."""


class RelayRepository(Protocol):
    def get(self, request_id: str) -> VerificationRequest | None: ...

    def create(self, request: VerificationRequest, event: TrailEvent, owed: Owed) -> None:
        """Store a new request (Conflict if its id exists) with its first event, alerts,
        counters and the messages it owes to peer stages, in one transaction."""

    def update(
        self, before: VerificationRequest, after: VerificationRequest, event: TrailEvent, owed: Owed
    ) -> None:
        """Write `after` and its event only if the stored request is still `before`, else
        raise StaleWrite."""

    def mark_delivered(self, request_id: str, received_at: str) -> None: ...

    def send(self, messages: Sequence[Message]) -> None:
        """Queue messages to peer stages that no change of a request here carries."""

    def record_refusal(self, requester_unit: str, target_unit: str, proof_id: str, at: str) -> None: ...

    def list_box(
        self, unit_id: str, box: str, status: str | None, limit: int, start: PageKey | None
    ) -> Page[VerificationRequest]: ...

    def list_by_subject(
        self, id_number: str, limit: int, start: PageKey | None
    ) -> Page[VerificationRequest]: ...

    def events(self, request_id: str) -> list[TrailEvent]: ...

    def due_by(self, now: str, limit: int) -> list[str]:
        """Ids of pending or accepted requests whose due time is at or before `now`."""

    def verification_counts(self) -> dict[str, int]: ...


class Outbox(Protocol):
    def pending(self, limit: int) -> list[Alert]:
        """Alerts committed but not yet published, oldest first."""

    def remove(self, alert: Alert) -> None: ...


class PublishFailed(Exception):
    """The alert could not be handed to SNS now; it stays in the outbox."""


class AlertPublisher(Protocol):
    def publish(self, alert: Alert) -> None:
        """Hand the alert to SNS or raise PublishFailed."""


class CommitmentRepository(Protocol):
    def get(self, commitment_id: str) -> Commitment | None: ...

    def is_barred(self, id_number: str) -> bool:
        """Whether a false commitment of this applicant is on record."""

    def create(self, commitment: Commitment, owed: Owed) -> None: ...

    def update(self, before: Commitment, after: Commitment, owed: Owed) -> None:
        """Write `after` only if the stored commitment is still `before`, else raise StaleWrite;
        a false commitment also writes the credit entry that bars the applicant."""

    def list_for_unit(
        self, unit_id: str, status: str | None, limit: int, start: PageKey | None, handling: bool = False
    ) -> Page[Commitment]: ...

    def list_for_owner(self, id_number: str, limit: int, start: PageKey | None) -> Page[Commitment]: ...

    def verification_overdue(self, now: str, limit: int) -> list[str]:
        """Ids of commitments picked for checking whose verify_by is at or before `now`."""

    def clear_overdue(self, commitment: Commitment, owed: Owed) -> None:
        """Send the overdue alert once: remove the due marker with it (StaleWrite if gone)."""

    def commitment_counts(self) -> dict[str, int]: ...


class LostNoticeRepository(Protocol):
    def get(self, notice_id: str) -> LostNotice | None: ...

    def create(self, notice: LostNotice, owed: Owed) -> None:
        """Store the notice, its reissue marker if a reissue was asked for, and count it."""

    def update(self, before: LostNotice, after: LostNotice, owed: Owed) -> None:
        """Write `after` only if the stored notice is still `before`, else raise StaleWrite."""

    def board(
        self, doc_type: str | None, text: str | None, limit: int, start: PageKey | None
    ) -> Page[LostNotice]:
        """Newest first; `text` matches the statement and the holder's masked name."""

    def list_for_owner(self, id_number: str, limit: int, start: PageKey | None) -> Page[LostNotice]: ...

    def reissue_due(self, now: str, limit: int) -> list[str]: ...

    def clear_reissue_due(self, notice: LostNotice, owed: Owed) -> None: ...

    def notice_counts(self) -> dict[str, int]: ...


class SupervisionRepository(Protocol):
    def add_complaint(self, complaint: Complaint, owed: Owed) -> None: ...

    def get_complaint(self, complaint_id: str) -> Complaint | None: ...

    def update_complaint(self, before: Complaint, after: Complaint) -> None:
        """Write `after` only if the stored complaint is still `before`, else raise StaleWrite."""

    def list_complaints(self, status: str | None, limit: int, start: PageKey | None) -> Page[Complaint]: ...

    def add_inspection(self, inspection: Inspection, owed: Owed) -> None: ...

    def get_inspection(self, inspection_id: str) -> Inspection | None: ...

    def rectify(self, before: Inspection, after: Inspection, n: int, owed: Owed) -> None:
        """Write `after` (finding n rectified) only if the stored inspection is still `before`."""

    def rectifications_overdue(self, today: str, limit: int) -> list[tuple[str, int]]: ...

    def clear_overdue(self, inspection: Inspection, n: int, owed: Owed) -> None: ...

    def unit_record(self, unit_id: str) -> dict[str, Any]:
        """counts, refused_requests, complaints and inspections of one unit, newest first."""

    def supervision_counts(self) -> dict[str, int]: ...


# Federation between stages (services/federation.py, services/relay.py)


class DeliveryFailed(Exception):
    """The peer did not take the message now (down, or refused it): the queue retries later."""


class FederationRepository(Protocol):
    def answer(self, from_stage: str, message_id: str) -> dict[str, Any] | None: ...
    def claim(
        self, from_stage: str, message_id: str, now: str, stale_before: str
    ) -> dict[str, Any] | None: ...
    def settle(self, from_stage: str, message_id: str, answer: dict[str, Any]) -> dict[str, Any]: ...
    def release(self, from_stage: str, message_id: str) -> None: ...
    def park(self, request_id: str, seq: int, message: Message) -> None: ...
    def parked(self, request_id: str) -> list[Message]: ...
    def unpark(self, request_id: str, seq: int, message: Message) -> None: ...
    def keep_receipt(self, message_id: str, to_stage: str, received_at: str, receipt: str) -> None: ...
    def mirror_proof(self, stage: str, proof: dict[str, Any]) -> None: ...
    # Messages to peers: each stays until the peer's receipt or a final refusal
    def unqueued(self, limit: int) -> list[Message]:
        """At least the `limit` oldest messages not handed to the queue yet (or all there are), in
        commit order; more when one change's message to many peers comes whole."""

    def queued_before(self, moment: str, limit: int) -> list[Message]: ...
    def mark_queued(self, message: Message, at: str) -> None: ...
    def mark_refused(self, message: Message, at: str, refusal: dict[str, Any]) -> None: ...
    def delivered(self, message: Message) -> None: ...


class PeerClient(Protocol):
    def post(self, url: str, token: str) -> tuple[int, dict[str, Any]]:
        """POST the JWS to a peer; its status and JSON answer (DeliveryFailed when unreachable)."""

    def post_json(self, url: str, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST a JSON body to a peer (the anchor's push of its directory), likewise."""

    def get(self, url: str, max_answer: int = ...) -> tuple[int, dict[str, Any]]:
        """GET a peer's public resource; its status and JSON answer (DeliveryFailed likewise),
        reading at most `max_answer` bytes (the adapter's bound by default)."""


class MessageQueue(Protocol):
    def send(self, message: Message) -> None: ...


class ProofSource(Protocol):
    """Where proof items are read: this stage's catalogue, or it and its peers' (ProofFinder)."""

    def get_proof(self, proof_id: str, consistent: bool = True) -> ProofItem | None: ...

    def get_proofs(self, proof_ids: list[str]) -> dict[str, ProofItem]: ...


class PeerCatalogue(Protocol):
    def peer_proof(self, stage: str, proof_id: str) -> dict[str, Any] | None:
        """A peer's proof item as mirrored from its change log (services/federation.py)."""


class DirectoryStore(Protocol):
    """The federation's signed directory as this stage holds it (adapters/directory_repository)."""

    def newest(self) -> str | None:
        """The newest version kept (the anchor's JWS), or None."""

    def keep(
        self,
        version: int,
        signed: str,
        logged_as: str | None = None,
        introduce: Sequence[str] = (),
        at: str = "",
    ) -> None:
        """Keep a newer version; StaleWrite if it or a newer one is kept already. With
        `logged_as` (the anchor's own versions), queue it in the same write as a leaf of this
        stage's transparency log with that hash (domain/transparency.DIRECTORY_LEAVES); with
        `introduce`, owe those stages an introduction, kept `at` this time, in the same write."""

    def introductions(self) -> list[tuple[int, list[str], str]]:
        """The introductions owed: (version, the stages left, when it was kept), oldest first."""

    def introduced(self, version: int, left: Sequence[str]) -> None:
        """Record an introduction's progress: the stages `left` (none: it is done)."""

    def acknowledged(self) -> dict[str, int]:
        """The anchor's record of the newest version each stage took."""

    def acknowledge(self, stage: str, version: int) -> None: ...


class DirectorySigner(Protocol):
    """The anchor's directory key."""

    kid: str
    public_jwk: dict[str, str]

    def seal(self, payload: Mapping[str, Any]) -> str:
        """`payload` as a JWS compact serialization by the directory key."""


class DirectoryCheck(Protocol):
    def opened(self, token: str, keys: list[Mapping[str, str]]) -> dict[str, Any]:
        """The payload of `token` if one of `keys` signed it; InvalidInput otherwise."""

    def read(self, token: str) -> dict[str, Any]:
        """The payload of a token verified before it was kept."""
