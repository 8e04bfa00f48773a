"""PynamoDB rows of lost-document notices.

Keys (main table):
  notice       pk LN#<id>                sk A
               gsi1 LN#ALL / <published_at>#<id>            (the board, newest first)
               gsi2 LN#TYPE#<doc_type> / <published_at>#<id>
               gsi3 LN#OWNER#<HMAC of holder ID> / <published_at>#<id>
  reissue due  pk LN#DUE                 sk <period_ends_at>#<id>   (reissue requested, until alerted)
  on notice    pk LN#ACTIVE#<HMAC of holder ID, type, number>  sk A   (while published: one
               notice per document and holder)
"""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.adapters.row_mapping import record_of, row_values
from chalicelib.adapters.tables import BaseRow, Gsi1, Gsi2, Gsi3, IndexedRow
from chalicelib.domain.lost_notices import Holder, LostNotice

DUE = "LN#DUE"


def notice_pk(notice_id: str) -> str:
    return f"LN#{notice_id}"


class NoticeRow(IndexedRow):
    notice_id = UnicodeAttribute()
    doc_type = UnicodeAttribute()
    doc_number = UnicodeAttribute()
    issuing_unit = UnicodeAttribute()
    statement = UnicodeAttribute()
    lost_on = UnicodeAttribute(null=True)
    request_reissue = BooleanAttribute()
    holder_name = UnicodeAttribute()
    holder_id_number = UnicodeAttribute()
    status = UnicodeAttribute()
    published_at = UnicodeAttribute()
    period_ends_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute()
    withdrawn_at = UnicodeAttribute(null=True)
    reissued_at = UnicodeAttribute(null=True)
    # What ?q= searches: the statement and the masked name, lower-cased. Never a whole number.
    search_text = UnicodeAttribute()
    board = Gsi1()
    board_by_type = Gsi2()
    by_owner = Gsi3()

    @classmethod
    def of(cls, n: LostNotice, pseudonym: Callable[[str], str]) -> NoticeRow:
        order = f"{n.published_at}#{n.notice_id}"
        return cls(
            notice_pk(n.notice_id),
            "A",
            **row_values(
                n,
                cls,
                holder_name=n.holder.name,
                holder_id_number=n.holder.id_number,
                search_text=f"{n.statement}\n{n.holder_masked}".lower(),
                gsi1pk="LN#ALL",
                gsi1sk=order,
                gsi2pk=f"LN#TYPE#{n.doc_type}",
                gsi2sk=order,
                gsi3pk=f"LN#OWNER#{pseudonym(n.holder.id_number)}",
                gsi3sk=order,
            ),
        )

    def to_domain(self) -> LostNotice:
        return record_of(LostNotice, self, holder=Holder(self.holder_name, self.holder_id_number))


class ReissueDueRow(BaseRow):
    notice_id = UnicodeAttribute()

    @classmethod
    def of(cls, n: LostNotice) -> ReissueDueRow:
        return cls(DUE, f"{n.period_ends_at}#{n.notice_id}", notice_id=n.notice_id)


class ActiveDocumentRow(BaseRow):
    """The document a published notice declares lost, keyed by an HMAC of its holder, type and
    number (nothing personal in the key): a second notice of it while the first is published
    is refused, naming the first."""

    notice_id = UnicodeAttribute()

    @classmethod
    def of(cls, n: LostNotice, pseudonym: Callable[[str], str]) -> ActiveDocumentRow:
        document = pseudonym(f"{n.holder.id_number}|{n.doc_type}|{n.doc_number}")
        return cls(f"LN#ACTIVE#{document}", "A", notice_id=n.notice_id)
