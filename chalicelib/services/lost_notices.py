"""Use cases of lost-document notices: publish, the public board, withdraw, reissue."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.domain import lost_notices as rules
from chalicelib.domain.alerts import Alert
from chalicelib.domain.clock import Clock, china_date, format_time, parse_time, stamps
from chalicelib.domain.errors import RuleViolation
from chalicelib.domain.identity import Identity
from chalicelib.domain.lost_notices import Holder, LostNotice, Status
from chalicelib.domain.working_days import DayCount
from chalicelib.services.catalogue import existing_unit
from chalicelib.services.due import alert_each_due
from chalicelib.services.ports import (
    NOTHING_OWED,
    Calendar,
    CatalogueRepository,
    LostNoticeRepository,
    Owed,
    Page,
    PageKey,
)
from chalicelib.services.retry import committed, until_written

if TYPE_CHECKING:  # annotations only: the schema checked the body, mypy checks its use
    from chalicelib.domain.commands import NewNotice

RESOURCE = "lost_notice"


class LostNoticeService:
    def __init__(
        self,
        repo: LostNoticeRepository,
        catalogue: CatalogueRepository,
        clock: Clock,
        new_id: Callable[[], str],
        county: str,
        periods: Mapping[str, int],
        calendar: Calendar,
        day_count: DayCount = DayCount.CALENDAR,
        here: str = "",
    ) -> None:
        self._repo = repo
        self._catalogue = catalogue
        self._now = stamps(clock)
        self._new_id = new_id
        self._county = county
        self._periods = periods
        self._calendar = calendar
        self._day_count = day_count
        self._here = here  # this stage: the issuing unit, which reissues, must be homed on it

    def _period_end(self, now: str) -> Callable[[int], str]:
        start = parse_time(now)
        return lambda days: format_time(self._calendar.deadline(start, days, self._day_count))

    def publish(self, caller: Identity, data: NewNotice) -> LostNotice:
        assert caller.name is not None and caller.id_number is not None
        now = self._now()
        holder = Holder(caller.name, caller.id_number)
        notice = rules.publish(
            self._new_id(),
            data,
            holder,
            now,
            self._periods,
            china_date(now),  # a lost_on of today in China is not in the future
            self._period_end(now),
        )
        issuer = existing_unit(self._catalogue, notice.issuing_unit)
        if issuer.stage not in ("", self._here):
            raise RuleViolation(
                "issuing_unit_elsewhere",
                f"Unit '{issuer.unit_id}' is homed on stage '{issuer.stage}': declare the loss there, "
                "where it can reissue the document.",
                f"发证单位“{issuer.unit_id}”属于“{issuer.stage}”平台，请在该平台办理遗失声明以便补发。",
                {"issuing_unit": issuer.unit_id, "stage": issuer.stage},
            )
        committed(lambda: self._repo.create(notice, Owed(counts={"published": 1})))
        return notice

    def view(self, caller: Identity | None, notice_id: str) -> dict[str, Any]:
        notice = self._load(notice_id)
        return notice.to_view(notice.audience_for(caller))

    def board(
        self, doc_type: str | None, text: str | None, limit: int, start: PageKey | None
    ) -> Page[LostNotice]:
        return self._repo.board(doc_type, text, limit, start)

    def search_board(
        self, doc_type: str | None, text: str, limit: int, start: PageKey | None, windows: int
    ) -> Page[LostNotice]:
        """A search as a person reads it: on through up to `windows` windows of the board
        (each a bounded read) until something matches. An empty page that still has a position
        means nothing matched in the notices searched so far, and the search may go further back."""
        page = self.board(doc_type, text, limit, start)
        for _ in range(windows - 1):
            if page.items or page.next_key is None:
                break
            page = self.board(doc_type, text, limit, page.next_key)
        return page

    def mine(self, caller: Identity, limit: int, start: PageKey | None) -> Page[LostNotice]:
        assert caller.id_number is not None
        return self._repo.list_for_owner(caller.id_number, limit, start)

    def withdraw(self, caller: Identity, notice_id: str) -> LostNotice:
        return self._change(notice_id, lambda n, now: (n.withdraw(caller, now), NOTHING_OWED))

    def reissue(self, caller: Identity, notice_id: str) -> LostNotice:
        return self._change(notice_id, lambda n, now: (n.reissue(caller, now), Owed(counts={"reissued": 1})))

    def alert_reissues_due(self, limit: int = 100) -> int:
        """Tell each issuing unit, once, that a notice's period is over and a reissue is asked for."""
        now = self._now()

        def still_due(notice_id: str) -> LostNotice | None:
            notice = self._load(notice_id)
            return notice if notice.status is Status.PUBLISHED else None

        def alert_for(notice: LostNotice) -> Alert:
            return Alert(
                event_type="lost_notice.reissue_due",
                event_id=self._new_id(),
                occurred_at=now,
                county=self._county,
                target_unit=notice.issuing_unit,
                resource_type=RESOURCE,
                resource_id=notice.notice_id,
            )

        return alert_each_due(
            self._repo.reissue_due(now, limit), still_due, alert_for, self._repo.clear_reissue_due
        )

    def _change(
        self, notice_id: str, step: Callable[[LostNotice, str], tuple[LostNotice, Owed]]
    ) -> LostNotice:
        def attempt() -> LostNotice:
            before = self._load(notice_id)
            after, owed = step(before, self._now())
            self._repo.update(before, after, owed)
            return after

        return until_written(attempt)

    def _load(self, notice_id: str) -> LostNotice:
        notice = self._repo.get(notice_id)
        if notice is None:
            raise rules.unknown_notice(notice_id)
        return notice
