"""The lost-notice repository on DynamoDB."""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.connection import Connection

from chalicelib.adapters import counters
from chalicelib.adapters.lost_notice_rows import DUE, ActiveDocumentRow, NoticeRow, ReissueDueRow, notice_pk
from chalicelib.adapters.outbox import add_owed
from chalicelib.adapters.pages import page_of, searched_page
from chalicelib.adapters.tables import BaseRow, find
from chalicelib.adapters.transact import ConditionFailed, Tx, transact, transact_current
from chalicelib.domain.lost_notices import LostNotice, Status, notice_exists
from chalicelib.services.ports import Owed, Page, PageKey, StaleWrite

COUNTERS = "LOST_NOTICES"


class DynamoLostNoticeRepository:
    def __init__(self, connection: Connection, pseudonym: Callable[[str], str]) -> None:
        self._connection = connection
        self._pseudonym = pseudonym

    def get(self, notice_id: str) -> LostNotice | None:
        row = find(NoticeRow, notice_pk(notice_id))
        return None if row is None else row.to_domain()

    def create(self, notice: LostNotice, owed: Owed) -> None:
        active = ActiveDocumentRow.of(notice, self._pseudonym)

        def build(tx: Tx) -> None:
            tx.save(NoticeRow.of(notice, self._pseudonym), condition=NoticeRow.pk.does_not_exist())
            tx.save(active, condition=ActiveDocumentRow.pk.does_not_exist())
            if notice.request_reissue:
                tx.save(ReissueDueRow.of(notice))
            add_owed(tx, owed, counters.shard(COUNTERS))

        try:
            transact(self._connection, BaseRow.Meta.table_name, build)
        except ConditionFailed as failed:
            first = find(ActiveDocumentRow, active.pk, active.sk)
            if (active.pk, active.sk) not in failed.keys or first is None:
                raise StaleWrite(notice.notice_id) from None  # its new id is taken
            raise notice_exists(first.notice_id) from None

    def update(self, before: LostNotice, after: LostNotice, owed: Owed) -> None:
        def build(tx: Tx) -> None:
            tx.save(NoticeRow.of(after, self._pseudonym), condition=NoticeRow.version == before.version)
            if after.status is Status.WITHDRAWN and before.request_reissue:
                tx.delete(ReissueDueRow.of(before))  # nothing to reissue any more
            if before.status is Status.PUBLISHED and after.status is not Status.PUBLISHED:
                tx.delete(ActiveDocumentRow.of(before, self._pseudonym))  # it may be declared again
            add_owed(tx, owed, counters.shard(COUNTERS))

        transact_current(self._connection, BaseRow.Meta.table_name, build, before.notice_id)

    def board(
        self, doc_type: str | None, text: str | None, limit: int, start: PageKey | None
    ) -> Page[LostNotice]:
        index, key = (
            (NoticeRow.board_by_type, f"LN#TYPE#{doc_type}") if doc_type else (NoticeRow.board, "LN#ALL")
        )
        if not text:
            newest = index.query(
                key, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
            )
            return page_of(newest, limit)
        condition = NoticeRow.search_text.contains(text.lower())
        results = index.query(
            key, filter_condition=condition, scan_index_forward=False, last_evaluated_key=start
        )
        return searched_page(results, NoticeRow, limit)

    def list_for_owner(self, id_number: str, limit: int, start: PageKey | None) -> Page[LostNotice]:
        key = f"LN#OWNER#{self._pseudonym(id_number)}"
        return page_of(
            NoticeRow.by_owner.query(key, scan_index_forward=False, limit=limit, last_evaluated_key=start),
            limit,
        )

    def reissue_due(self, now: str, limit: int) -> list[str]:
        rows = ReissueDueRow.query(DUE, ReissueDueRow.sk <= f"{now}#~", limit=limit, consistent_read=True)
        return [row.notice_id for row in rows]

    def clear_reissue_due(self, notice: LostNotice, owed: Owed) -> None:
        def build(tx: Tx) -> None:
            tx.delete(ReissueDueRow.of(notice), condition=ReissueDueRow.pk.exists())
            add_owed(tx, owed, counters.shard(COUNTERS))

        transact_current(self._connection, BaseRow.Meta.table_name, build, notice.notice_id)

    def notice_counts(self) -> dict[str, int]:
        return counters.read(self._connection, BaseRow.Meta.table_name, COUNTERS)
