"""The lost-notice repository in memory (adapters/lost_notice_repository.py on DynamoDB)."""

from __future__ import annotations

from chalicelib.adapters.memory.store import MemoryStore, page_of
from chalicelib.domain.lost_notices import LostNotice, Status, notice_exists
from chalicelib.services.ports import Owed, Page, PageKey

NOTICES, ACTIVE, REISSUE_DUE = "notice", "active_document", "reissue_due"
COUNTERS = "LOST_NOTICES"


class MemoryLostNoticeRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def get(self, notice_id: str) -> LostNotice | None:
        notice: LostNotice | None = self._store.records[NOTICES].get(notice_id)
        return notice

    def create(self, notice: LostNotice, owed: Owed) -> None:
        first = self._store.records[ACTIVE].get(_document(notice))
        if first is not None:
            raise notice_exists(first)
        self._store.add_new(NOTICES, notice.notice_id, notice)
        self._store.records[ACTIVE][_document(notice)] = notice.notice_id
        if notice.request_reissue:
            self._store.records[REISSUE_DUE][_due(notice)] = notice.notice_id
        self._store.commit(owed, COUNTERS)

    def update(self, before: LostNotice, after: LostNotice, owed: Owed) -> None:
        self._store.replace(NOTICES, before.notice_id, before, after, lambda n: n.version)
        if after.status is Status.WITHDRAWN and before.request_reissue:
            self._store.records[REISSUE_DUE].pop(_due(before), None)  # nothing to reissue any more
        if before.status is Status.PUBLISHED and after.status is not Status.PUBLISHED:
            self._store.records[ACTIVE].pop(_document(before), None)  # it may be declared again
        self._store.commit(owed, COUNTERS)

    def board(
        self, doc_type: str | None, text: str | None, limit: int, start: PageKey | None
    ) -> Page[LostNotice]:
        def shown(notice: LostNotice) -> bool:
            searched = f"{notice.statement}\n{notice.holder_masked}".lower()
            return doc_type in (None, notice.doc_type) and (not text or text.lower() in searched)

        found = [n for n in self._store.records[NOTICES].values() if shown(n)]
        return page_of(found, _published, limit, start, newest_first=True)

    def list_for_owner(self, id_number: str, limit: int, start: PageKey | None) -> Page[LostNotice]:
        found = [n for n in self._store.records[NOTICES].values() if n.holder.id_number == id_number]
        return page_of(found, _published, limit, start, newest_first=True)

    def reissue_due(self, now: str, limit: int) -> list[str]:
        return self._store.due_before(REISSUE_DUE, f"{now}#~", limit)  # "~" sorts after every id

    def clear_reissue_due(self, notice: LostNotice, owed: Owed) -> None:
        self._store.clear_due(REISSUE_DUE, _due(notice), notice.notice_id)
        self._store.commit(owed, COUNTERS)

    def notice_counts(self) -> dict[str, int]:
        return dict(self._store.counters[COUNTERS])


def _document(notice: LostNotice) -> str:
    """The document a notice declares lost: one published notice at a time."""
    return f"{notice.holder.id_number}|{notice.doc_type}|{notice.doc_number}"


def _due(notice: LostNotice) -> str:
    return f"{notice.period_ends_at}#{notice.notice_id}"


def _published(notice: LostNotice) -> str:
    return f"{notice.published_at}#{notice.notice_id}"
