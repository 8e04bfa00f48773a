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


TURNAROUND_PREFIX = "tat_"  # one counter per turnaround in whole minutes


def verification_block(counts: dict[str, int]) -> dict[str, Any]:
    turnarounds = {
        int(name[len(TURNAROUND_PREFIX) :]): n
        for name, n in counts.items()
        if name.startswith(TURNAROUND_PREFIX) and n > 0
    }
    return {
        "requests": counts.get("requests", 0),
        "completed": counts.get("completed", 0),
        "overdue": counts.get("overdue", 0),
        "median_turnaround_hours": _median_hours(turnarounds),
    }


def _median_hours(histogram: dict[int, int]) -> float | None:
    """Median of the minutes counted in `histogram`, in hours (2 decimals); None if empty."""
    total = sum(histogram.values())
    if total == 0:
        return None
    middle = [(total - 1) // 2, total // 2]  # the same index twice when the count is odd
    values, seen = [], 0
    for minutes in sorted(histogram):
        count = histogram[minutes]
        values += [minutes for index in middle if seen <= index < seen + count]
        seen += count
    return round(sum(values) / 2 / 60, 2)


def commitments_block(counts: dict[str, int]) -> dict[str, int]:
    """`accepted` counts every commitment filed, picked for checking or not, whatever became of it."""
    return {name: counts.get(name, 0) for name in ("accepted", "verified", "false_commitment")}


def lost_notices_block(counts: dict[str, int], newspaper_price_yuan: int) -> dict[str, int]:
    """Each notice published here is one newspaper notice not paid for."""
    published = counts.get("published", 0)
    return {
        "published": published,
        "reissued": counts.get("reissued", 0),
        "newspaper_cost_saved_yuan": published * newspaper_price_yuan,
    }


def supervision_block(counts: dict[str, int]) -> dict[str, int]:
    return {name: counts.get(name, 0) for name in ("complaints", "inspections", "findings", "rectified")}
