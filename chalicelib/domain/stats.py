"""Public figures computed from counters kept as events happen (never from scans)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.catalogue import Disposition


def catalogue_block(counts: dict[str, int]) -> dict[str, Any]:
    by_disposition = {d.value: counts.get(d.value, 0) for d in Disposition}
    total = sum(by_disposition.values())
    cancelled = total - by_disposition[Disposition.RETAINED.value]
    return {
        "total": total,
        "cancelled": cancelled,
        "cancelled_ratio": round(cancelled / total, 4) if total else 0.0,
        "by_disposition": by_disposition,
    }
