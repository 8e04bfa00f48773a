"""A unit's supervision record, which two capabilities write: supervision (complaints,
inspections, findings) and the relay (requests refused because the proof is cancelled). Kept
apart from supervision_rows.py so that the relay does not load supervision's domain.

Keys (main table):
  unit record      pk SUPV#<unit_id>   sk COUNTS    complaints, substantiated, refused_requests, inspections,
                                                    findings, rectified (moved with each event)
  refused request  pk SUPV#<unit_id>   sk REFUSED#<at>#<proof_id>#<n>   (written by the relay)
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from chalicelib.adapters.tables import BaseRow


def unit_record_key(unit_id: str) -> tuple[str, str]:
    return f"SUPV#{unit_id}", "COUNTS"


class RefusalRow(BaseRow):
    """A unit asked another for a proof that is cancelled: kept on the asking unit's record."""

    requester_unit = UnicodeAttribute()
    target_unit = UnicodeAttribute()
    proof_id = UnicodeAttribute()
    at = UnicodeAttribute()

    @classmethod
    def of(cls, requester_unit: str, target_unit: str, proof_id: str, at: str, nonce: str) -> RefusalRow:
        return cls(
            f"SUPV#{requester_unit}",
            f"REFUSED#{at}#{proof_id}#{nonce}",
            requester_unit=requester_unit,
            target_unit=target_unit,
            proof_id=proof_id,
            at=at,
        )
