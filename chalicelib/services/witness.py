"""Witnessing the federation's logs: each stage keeps the checkpoints its peers send it, checks
that each extends the last it holds (domain/transparency.judge), and never accepts one that
does not: it keeps it as evidence, alerts its supervisors and tells the stage it disputes, whose
own supervisors are alerted in turn. What a stage holds of another is public."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from chalicelib.domain.alerts import Alert
from chalicelib.domain.clock import Clock, format_time, stamps
from chalicelib.domain.errors import forbidden, not_found, validation_error
from chalicelib.domain.federation import CHECKPOINT_DISPUTED, Message, refused
from chalicelib.domain.transparency import (
    ChangelogHead,
    Checkpoint,
    Dispute,
    Verdict,
    Witnessed,
    changes_extend,
    judge,
)
from chalicelib.services.ports import DeliveryFailed, Notary, Owed, PeerClient
from chalicelib.services.retry import committed, settled_or
from chalicelib.services.transparency import inconsistency_alert

RECENT = timedelta(days=1)  # a dispute keeps the alarm raised this long
MAX_REASON = 500  # characters of a peer's reason kept


class WitnessStore(Protocol):
    def held(self, stage: str) -> Witnessed | None: ...
    def accept(self, before: Witnessed | None, checkpoint: Checkpoint, at: str) -> None:
        """StaleWrite if another checkpoint of the stage was taken since `before`."""

    def kept(self, stage: str, number: int) -> Checkpoint | None:
        """The checkpoint of `stage` numbered `number` that this stage held, if it did."""

    def dispute(self, dispute: Dispute, owed: Owed) -> None:
        """Keep the dispute with what it owes (its alert, the message telling the stage), once."""

    def disputes(self, stage: str, since: str = "", limit: int = 50) -> list[Dispute]: ...


class WitnessService:
    def __init__(
        self,
        store: WitnessStore,
        notary: Notary,
        clock: Clock,
        new_id: Callable[[], str],
        county: str,
        own_latest: Callable[[], Checkpoint | None],
        peers: Callable[[], PeerClient],
    ) -> None:
        self._store = store
        self._notary = notary
        self._here = notary.here
        self._clock = clock
        self._now = stamps(clock)
        self._new_id = new_id
        self._county = county
        self._own_latest = own_latest
        self._peers = peers  # built when first needed: only the daily audit calls peers

    def take_checkpoint(self, message: Message) -> bool:
        """A peer's new checkpoint: held if it extends the last held, disputed if it does not;
        False if the one before it has not come yet (the message waits for it)."""
        checkpoint = self._signed_checkpoint(message.body["checkpoint"], message.from_stage)
        consistency = [bytes.fromhex(value) for value in message.body["consistency"]]
        changes = list(message.body["changes"])
        # Another message of the same stage may be taken at the same time: judge again on what
        # is held then. Still contended after every retry, it waits as if early.
        return settled_or(lambda: self._take(checkpoint, consistency, changes), False)

    def _take(self, checkpoint: Checkpoint, consistency: list[bytes], changes: list[Any]) -> bool:
        held = self._store.held(checkpoint.stage)
        latest = held.checkpoint if held else None
        if (
            latest is not None
            and checkpoint.number > latest.number
            and checkpoint.issued_at < latest.issued_at
        ):
            raise validation_error(
                "A later checkpoint is not issued before the one held.", "新的检查点不能早于已持有的检查点。"
            )
        seen_before = latest is not None and checkpoint.number <= latest.number
        same_number = self._store.kept(checkpoint.stage, checkpoint.number) if seen_before else None
        verdict, reason = judge(latest, checkpoint, consistency, changes, same_number)
        if verdict is Verdict.EARLY:
            return False
        if verdict is Verdict.INCONSISTENT:
            self._dispute(checkpoint, same_number or latest, reason)
        if verdict is Verdict.ACCEPTED:
            self._store.accept(held, checkpoint, self._now())  # StaleWrite: judged again
        return True

    def take_dispute(self, message: Message) -> None:
        """A peer disputes one of this stage's own checkpoints: kept, and supervisors alerted."""
        checkpoint = self._signed_checkpoint(message.body["checkpoint"], self._here)
        # The evidence is one of this stage's own checkpoints, as this stage signed it: anything
        # else (none included: the schema requires it) raises nothing, no dispute, no alert.
        evidence = self._signed_checkpoint(message.body["held"], self._here).to_view()
        reason = str(message.body["reason"])[:MAX_REASON]
        dispute = Dispute(self._here, message.from_stage, self._now(), reason, checkpoint.to_view(), evidence)
        owed = Owed([self._alert(checkpoint)])
        committed(lambda: self._store.dispute(dispute, owed))

    def witnessed(self, stage: str) -> dict[str, Any]:
        """What this stage holds of `stage` (for itself: its own latest), and the disputes."""
        if stage == self._here:
            own = self._own_latest()
            held, witnessed_at = (None if own is None else own.to_view()), None
        elif self._notary.directory.member(stage) is None:
            raise not_found("stage", "平台", stage)
        else:
            found = self._store.held(stage)
            held, witnessed_at = (found.checkpoint.to_view(), found.witnessed_at) if found else (None, None)
        disputes = [dispute.to_view() for dispute in self._store.disputes(stage)]
        return {
            "stage": stage,
            "checkpoint": held,
            "witnessed_at": witnessed_at,
            "consistent": not disputes,
            "disputes": disputes,
        }

    def audit_peers(self) -> int:
        """Read each peer's public change log and check it still holds, at the last checkpoint
        held, the chain that checkpoint signed: an old record edited in place, which no new
        checkpoint shows, is disputed like a rewritten history. Returns the disputes raised (a
        peer that cannot be reached is tried at the next audit)."""
        disputed = 0
        for member in self._notary.directory.peers():
            held = self._store.held(member.stage)
            if held is None or not member.api_url:
                continue
            try:
                records = self._changes_served(member.api_url, held.checkpoint.changelog.seq)
            except DeliveryFailed:
                continue
            head = held.checkpoint.changelog
            if records is not None and not changes_extend(ChangelogHead(0, None), head, records):
                reason = (
                    f"the change log it serves does not recompute to checkpoint {held.checkpoint.number}'s"
                )
                checkpoint = held.checkpoint
                committed(lambda: self._dispute(checkpoint, checkpoint, reason))  # noqa: B023 - called here
                disputed += 1
        return disputed

    def _changes_served(self, api_url: str, upto: int) -> list[dict[str, Any]] | None:
        """The peer's change records 1..`upto` as it serves them now (None: it answered oddly)."""
        records: list[dict[str, Any]] = []
        path = "/catalogue/changes?limit=100"
        while len(records) < upto:
            status, page = self._peers().get(api_url + path)
            if status != 200 or not isinstance(page.get("items"), list):
                return None
            records += page["items"]
            if not page.get("next_cursor"):
                break
            path = f"/catalogue/changes?limit=100&cursor={page['next_cursor']}"
        return records[:upto]

    def recent_disputes(self) -> int:
        """Disputes found in the last day about any stage of the federation (the alarm's)."""
        since = format_time(self._clock() - RECENT)
        stages = [member.stage for member in self._notary.directory.members]
        return sum(len(self._store.disputes(stage, since)) for stage in stages)

    def _signed_checkpoint(self, view: Any, stage: str) -> Checkpoint:
        try:
            checkpoint = Checkpoint.from_view(view)
        except (KeyError, TypeError, ValueError):
            raise validation_error("The checkpoint is malformed.", "检查点格式有误。") from None
        if checkpoint.stage != stage:
            raise forbidden()  # a stage speaks for its own log only
        signature = checkpoint.signature or {}
        kid, value = signature.get("kid", ""), signature.get("value", "")
        if not self._notary.verifies(stage, kid, checkpoint.signed_bytes, value):
            raise refused("the checkpoint is not signed by its stage")
        return checkpoint

    def _dispute(self, checkpoint: Checkpoint, held: Checkpoint | None, reason: str) -> None:
        """Keep the dispute with the checkpoint held against it, alert, and tell the stage."""
        evidence = None if held is None else held.to_view()
        dispute = Dispute(checkpoint.stage, self._here, self._now(), reason, checkpoint.to_view(), evidence)
        body = {"checkpoint": checkpoint.to_view(), "held": evidence, "reason": reason}
        told = Message(self._new_id(), self._here, checkpoint.stage, CHECKPOINT_DISPUTED, "", body)
        # The disputed stage takes a dispute only with its own signed checkpoint as evidence.
        owed = Owed([self._alert(checkpoint)], messages=[told] if evidence else [])
        self._store.dispute(dispute, owed)  # its caller's loop retries it (settled_or, committed)

    def _alert(self, checkpoint: Checkpoint) -> Alert:
        return inconsistency_alert(
            self._new_id(), self._now(), self._county, checkpoint.stage, checkpoint.number
        )
