"""What every in-memory repository shares: the records, the outbox, the messages to peers, the
counters, and listings in pages."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.alerts import Alert
from chalicelib.domain.federation import Message
from chalicelib.services.ports import Owed, Page, PageKey, StaleWrite

OUTGOING = "outgoing"
NEW, QUEUED, REFUSED = "NEW#", "QUEUED#", "REFUSED#"  # an outgoing message's states, as on DynamoDB


@dataclass
class Outgoing:
    """A message to a peer stage, waiting for its receipt: its state and a final refusal."""

    message: Message
    state: str
    refusal: dict[str, Any] | None = None


@dataclass
class MemoryStore:
    """One stage's storage: records by kind and id, and what changes wrote besides them."""

    records: dict[str, dict[Any, Any]] = field(default_factory=lambda: defaultdict(dict))
    outbox: list[Alert] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    counters: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def commit(self, owed: Owed, block: str = "") -> None:
        """What a change owes besides its record: its alerts, its counter moves (in `block`) and
        its messages (each kept as outgoing, not yet queued, until its peer's receipt:
        memory/federation.py)."""
        self.outbox.extend(owed.alerts)
        if owed.counts:
            self.counters[block].update(owed.counts)
        self.messages.extend(owed.messages)
        for message in owed.messages:
            self.records[OUTGOING][message.message_id] = Outgoing(message, f"{NEW}{message.message_id}")

    def add_new(self, kind: str, key: str, record: Any) -> None:
        """Store a new record; StaleWrite if its id or key is taken (the DynamoDB adapters'
        condition fails alike)."""
        if key in self.records[kind]:
            raise StaleWrite(key)
        self.records[kind][key] = record

    def due_before(self, kind: str, bound: str, limit: int) -> list[Any]:
        """The due markers of `kind` whose key sorts before `bound`, earliest first (a marker's
        key begins with its deadline, as its sort key does on DynamoDB)."""
        due = self.records[kind]
        return [due[key] for key in sorted(due) if key < bound][:limit]

    def clear_due(self, kind: str, key: str, record_id: str) -> None:
        """Remove a due marker; StaleWrite if it is gone already (cleared by another run)."""
        if self.records[kind].pop(key, None) is None:
            raise StaleWrite(record_id)

    def replace(self, kind: str, key: str, before: Any, after: Any, version: Callable[[Any], Any]) -> None:
        """Store `after` only if what is stored is still `before` (by version), else StaleWrite."""
        stored = self.records[kind].get(key)
        if stored is None or version(stored) != version(before):
            raise StaleWrite(key)
        self.records[kind][key] = after


def page_of[T](
    items: Iterable[T],
    order: Callable[[T], str],
    limit: int,
    start: PageKey | None,
    newest_first: bool = False,
) -> Page[T]:
    """A page of `items` in the order of `order` (as an index's sort key orders them); a full page
    carries its position, as a DynamoDB query's does."""
    ordered = sorted(items, key=order, reverse=newest_first)
    if start is not None:
        after = start["after"]
        ordered = [i for i in ordered if (order(i) < after if newest_first else order(i) > after)]
    chunk = ordered[:limit]
    return Page(chunk, {"after": order(chunk[-1])} if len(chunk) == limit else None)
