"""Use cases of the proof catalogue: units, proof items, their change log, matters."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from chalicelib.domain import catalogue, changelog
from chalicelib.domain.alerts import EVERY_UNIT, Alert
from chalicelib.domain.catalogue import ProofChange, ProofItem
from chalicelib.domain.changelog import ChangeRecord
from chalicelib.domain.clock import Clock, stamps
from chalicelib.domain.errors import Forbidden, RuleViolation, not_found
from chalicelib.domain.federation import PROOF_CHANGED, UNIT_REGISTERED, Message
from chalicelib.domain.matters import Matter, requirements
from chalicelib.domain.units import Unit
from chalicelib.services.ports import (
    CatalogueRepository,
    Owed,
    Page,
    PageKey,
    PeerCatalogue,
    ProofFilter,
    ProofSource,
)
from chalicelib.services.retry import committed

if TYPE_CHECKING:  # annotations only: the schema checked the body, mypy checks its use
    from chalicelib.domain.commands import NewMatter, NewProof, NewUnit

CREATED_REASON = "新增证明事项 / catalogue entry created"
SENT_TOGETHER = 25  # messages committed in one transaction when a stage is introduced
PAGE = 100


class CatalogueService:
    def __init__(
        self,
        repo: CatalogueRepository,
        clock: Clock,
        new_id: Callable[[], str],
        county: str,
        here: str = "",
        peer_stages: Callable[[], list[str]] = list,
        proofs: ProofSource | None = None,
    ) -> None:
        self._repo = repo
        self._proofs = proofs or repo  # what a matter may ask for: peers' items too
        self._now = stamps(clock)
        self._new_id = new_id
        self._county = county
        self._here = here  # this stage: the home of the units registered on it
        # The stages told of this stage's units and catalogue (read on writes only: building
        # the directory loads the stage's key).
        self._peer_stages = peer_stages

    # Units

    def register_unit(self, data: NewUnit) -> Unit:
        unit = Unit.from_dict({**data, "stage": self._here})
        if unit.parent_unit is not None:
            parent = self._repo.get_unit(unit.parent_unit)
            if parent is None:
                raise _unknown("parent_unit", unit.parent_unit, "上级单位")
            unit.check_parent(parent)
        owed = Owed(messages=self._tell_peers(UNIT_REGISTERED, unit.to_view()))
        committed(lambda: self._repo.add_unit(unit, owed))
        return unit

    # The public views (unit, proof, matter, requirements) read eventually consistent: half the
    # capacity of the catalogue's hottest reads, and a change shows within about a second.

    def unit(self, unit_id: str) -> Unit:
        return existing_unit(self._repo, unit_id, consistent=False)

    def unit_names(self, unit_ids: list[str]) -> dict[str, Unit]:
        """The units named, as registered (one eventually consistent read each); an id no unit
        has is left out."""
        found = {
            unit_id: self._repo.get_unit(unit_id, consistent=False) for unit_id in dict.fromkeys(unit_ids)
        }
        return {unit_id: unit for unit_id, unit in found.items() if unit is not None}

    def acting_unit(self, unit_id: str) -> Unit:
        """The unit an agency token speaks for, which acts on its home stage only: what it
        asked or answered elsewhere, the home stage would refuse forever. Eventually
        consistent: units are never removed, and never move."""
        unit = self._repo.get_unit(unit_id, consistent=False)
        if unit is None:
            raise Forbidden(
                "unit_not_registered",
                "The unit of your token is not registered on this stage.",
                "令牌中的单位未在本平台登记。",
            )
        if unit.stage not in ("", self._here):
            raise Forbidden(
                "unit_not_homed_here",
                f"Your unit is homed on stage '{unit.stage}': it acts there, not on this stage.",
                f"您的单位属于“{unit.stage}”平台，请在该平台办理。",
                {"stage": unit.stage},
            )
        return unit

    # Proof items

    def create_proof(self, data: NewProof) -> ProofItem:
        if not self._homed_here(data["issuing_unit"]):  # a peer's unit is in its own catalogue
            raise _unknown("issuing_unit", data["issuing_unit"], "开具单位")
        item = catalogue.new_proof(data, data.get("proof_id") or self._new_id(), self._now())
        reason = data.get("reason") or CREATED_REASON
        record = self._record(None, item, reason, data.get("decision_ref"))
        self._repo.save_proof(None, item, record, self._owed(None, item))
        return item

    def proof(self, proof_id: str, consistent: bool = False) -> ProofItem:
        return existing_proof(self._repo, proof_id, consistent)

    def change_proof(self, proof_id: str, change: ProofChange) -> ProofItem:
        # Strong read: the version a client got from its last write must match at once.
        before = self.proof(proof_id, consistent=True)
        after = catalogue.apply_change(before, change, self._now())
        record = self._record(before, after, change.reason, change.decision_ref)
        self._repo.save_proof(before, after, record, self._owed(before, after))
        return after

    def _homed_here(self, unit_id: str) -> bool:
        unit = self._repo.get_unit(unit_id)
        return unit is not None and unit.stage in ("", self._here)

    def _owed(self, before: ProofItem | None, after: ProofItem) -> Owed:
        """What a proof item's change owes: every agency told, the figures moved, every peer told."""
        messages = self._tell_peers(PROOF_CHANGED, {**after.to_view(), "stage": self._here})
        return Owed(self._changed_alert(after), catalogue.disposition_moves(before, after), messages)

    def _tell_peers(self, type_: str, body: dict[str, Any]) -> list[Message]:
        """One message to each peer stage, committed with the change it reports."""
        return [Message(self._new_id(), self._here, stage, type_, "", body) for stage in self._peer_stages()]

    # A stage that joins the federation

    def introduce(self, stage: str) -> int:
        """Tell a stage that joined the federation what this stage homes, as its peers were
        told when it happened: every unit (each after its parent), then every proof item as it
        stands. Returns the messages sent. Each is applied once; one the newcomer knew already
        changes nothing there."""
        units = _parents_first(_every(self._repo.home_units))
        proofs = _every(lambda limit, start: self._repo.list_proofs(ProofFilter(), limit, start))
        bodies = [(UNIT_REGISTERED, {**u.to_view(), "stage": self._here}) for u in units] + [
            (PROOF_CHANGED, {**p.to_view(), "stage": self._here}) for p in proofs
        ]
        messages = [Message(self._new_id(), self._here, stage, type_, "", body) for type_, body in bodies]
        for first in range(0, len(messages), SENT_TOGETHER):
            committed(partial(self._repo.send, messages[first : first + SENT_TOGETHER]))
        return len(messages)

    def _changed_alert(self, item: ProofItem) -> list[Alert]:
        """Every agency is told (target_unit "*") that the catalogue changed."""
        alert = Alert(
            event_type="catalogue.changed",
            event_id=self._new_id(),
            occurred_at=item.updated_at,
            county=self._county,
            target_unit=EVERY_UNIT,
            resource_type="proof",
            resource_id=item.proof_id,
        )
        return [alert]

    def search_proofs(self, where: ProofFilter, limit: int, start: PageKey | None) -> Page[ProofItem]:
        return self._repo.list_proofs(where, limit, start)

    def changes(self, since: str | None, limit: int, start: PageKey | None) -> Page[ChangeRecord]:
        return self._repo.list_changes(since, limit, start)

    @staticmethod
    def _record(
        before: ProofItem | None, after: ProofItem, reason: str, decision_ref: str | None
    ) -> Callable[[changelog.ChainHead | None], ChangeRecord]:
        return lambda head: changelog.next_record(head, before, after, reason, decision_ref)

    # Matters

    def create_matter(self, data: NewMatter) -> Matter:
        if not self._homed_here(data["unit_id"]):
            raise _unknown("unit_id", data["unit_id"], "办理单位")
        proof_ids = list(dict.fromkeys(data["proofs"]))
        require_known_proofs(self._proofs, proof_ids)
        matter = Matter.from_dict({**data, "proofs": proof_ids})
        self._repo.add_matter(matter)
        return matter

    def matter(self, matter_code: str) -> Matter:
        return existing_matter(self._repo, matter_code, consistent=False)

    def matter_requirements(self, matter_code: str) -> dict[str, Any]:
        matter = self.matter(matter_code)
        return requirements(matter, self._proofs.get_proofs(list(matter.proofs)))


# Lookups that every capability makes in the catalogue: the item, or 404 `not_found`.


def existing_unit(repo: CatalogueRepository, unit_id: str, consistent: bool = True) -> Unit:
    unit = repo.get_unit(unit_id, consistent)
    if unit is None:
        raise not_found("unit", "单位", unit_id)
    return unit


class ProofFinder:
    """Proof items of this stage's catalogue, and else of its peers' as mirrored here: a matter
    may ask for a proof that a unit homed on another stage issues (a county's matter, a city
    bureau's proof), and a commitment may replace it."""

    def __init__(
        self, repo: CatalogueRepository, peers: PeerCatalogue, peer_stages: Callable[[], list[str]]
    ) -> None:
        self._repo = repo
        self._peers = peers
        self._peer_stages = peer_stages  # read only for an id this stage does not know

    def get_proof(self, proof_id: str, consistent: bool = True) -> ProofItem | None:
        return self._repo.get_proof(proof_id, consistent) or self._mirrored(proof_id)

    def get_proofs(self, proof_ids: list[str]) -> dict[str, ProofItem]:
        found = self._repo.get_proofs(proof_ids) if proof_ids else {}
        for proof_id in proof_ids:
            item = found.get(proof_id) or self._mirrored(proof_id)
            if item is not None:
                found[proof_id] = item
        return found

    def _mirrored(self, proof_id: str) -> ProofItem | None:
        for stage in self._peer_stages():
            view = self._peers.peer_proof(stage, proof_id)
            if view is not None:
                return ProofItem.from_view(view)
        return None


def existing_proof(repo: ProofSource, proof_id: str, consistent: bool = True) -> ProofItem:
    item = repo.get_proof(proof_id, consistent)
    if item is None:
        raise not_found("proof", "证明事项", proof_id)
    return item


def existing_matter(repo: CatalogueRepository, matter_code: str, consistent: bool = True) -> Matter:
    matter = repo.get_matter(matter_code, consistent)
    if matter is None:
        raise not_found("matter", "事项", matter_code)
    return matter


def require_known_proofs(repo: ProofSource, proof_ids: list[str]) -> None:
    """Refuse (422 unknown_proof, naming them) proof ids that are not in the catalogue."""
    found = repo.get_proofs(proof_ids) if proof_ids else {}
    missing = [pid for pid in proof_ids if pid not in found]
    if missing:
        raise RuleViolation(
            "unknown_proof",
            f"These proof items are not in the catalogue: {', '.join(missing)}.",
            f"以下证明事项不在清单中：{'、'.join(missing)}。",
            {"proof_ids": missing},
        )


def _unknown(field: str, value: str, what_zh: str) -> RuleViolation:
    return RuleViolation(
        "unknown_unit",
        f"'{value}' ({field}) is not a registered unit.",
        f"{what_zh}“{value}”未登记。",
        {field: value},
    )


def _every[T](read: Callable[[int, PageKey | None], Page[T]]) -> list[T]:
    """Every item of a paged listing."""
    found: list[T] = []
    start: PageKey | None = None
    while True:
        page = read(PAGE, start)
        found += page.items
        if page.next_key is None:
            return found
        start = page.next_key


def _parents_first(units: list[Unit]) -> list[Unit]:
    """The units ordered so that each comes after its parent (a peer refuses a unit whose
    parent it does not know yet)."""
    placed: dict[str, Unit] = {}
    waiting = list(units)
    while waiting:
        pending = {u.unit_id for u in waiting}
        # Ready: no parent, or one placed already or homed elsewhere. (POST /units takes only a
        # known parent, so there is no cycle; were there one, the rest goes as it is.)
        ready = [u for u in waiting if u.parent_unit not in pending] or waiting
        for unit in ready:
            placed[unit.unit_id] = unit
        waiting = [u for u in waiting if u.unit_id not in placed]
    return list(placed.values())
