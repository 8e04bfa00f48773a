"""What the services need from storage; chalicelib/adapters implements it with DynamoDB."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from chalicelib.domain.catalogue import ProofItem
from chalicelib.domain.changelog import ChainHead, ChangeRecord
from chalicelib.domain.matters import Matter
from chalicelib.domain.units import Unit

T = TypeVar("T")

# A position in a listing, as the storage layer understands it; opaque to the services.
PageKey = dict[str, Any]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_key: PageKey | None


@dataclass(frozen=True)
class ProofFilter:
    disposition: str | None = None
    issuing_unit: str | None = None
    text: str | None = None


class CatalogueRepository(Protocol):
    def get_unit(self, unit_id: str) -> Unit | None: ...

    def add_unit(self, unit: Unit) -> None:
        """Store a new unit; raise Conflict `unit_exists` if the id is taken."""

    def get_proof(self, proof_id: str) -> ProofItem | None: ...

    def get_proofs(self, proof_ids: list[str]) -> dict[str, ProofItem]: ...

    def save_proof(
        self,
        before: ProofItem | None,
        after: ProofItem,
        make_record: Callable[[ChainHead | None], ChangeRecord],
    ) -> ChangeRecord:
        """Write `after` only if the stored item is still `before` (absent when None), with its
        change record appended to the chain and the counters moved, in one transaction.
        Raise Conflict `proof_exists` or `version_conflict` when the condition fails."""

    def list_proofs(self, where: ProofFilter, limit: int, start: PageKey | None) -> Page[ProofItem]: ...

    def list_changes(self, since: str | None, limit: int, start: PageKey | None) -> Page[ChangeRecord]: ...

    def get_matter(self, matter_code: str) -> Matter | None: ...

    def add_matter(self, matter: Matter) -> None:
        """Store a new matter; raise Conflict `matter_exists` if the code is taken."""

    def catalogue_counts(self) -> dict[str, int]:
        """Current number of items per disposition, kept by save_proof."""
