"""The job every deadline shares: a due marker is written with the record it watches; past its
time, the job alerts once and clears the marker in the same write."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from chalicelib.domain.alerts import Alert
from chalicelib.domain.errors import Conflict
from chalicelib.services.ports import Owed, StaleWrite
from chalicelib.services.retry import committed


def alert_each_due[Marker, Record](
    markers: Iterable[Marker],
    still_due: Callable[[Marker], Record | None],
    alert_for: Callable[[Record], Alert],
    clear: Callable[[Record, Owed], None],
) -> int:
    """For each marker past due whose record still needs it, alert once and clear the marker;
    a record that changed meanwhile (answered, withdrawn: StaleWrite) is left as it is.
    Returns how many were alerted."""
    alerted = 0
    for marker in markers:
        record = still_due(marker)
        if record is None:
            continue
        owed = Owed(alerts=[alert_for(record)])
        try:
            committed(lambda: clear(record, owed))  # noqa: B023 - called before the loop moves on
        except (StaleWrite, Conflict):
            continue  # gone meanwhile, or still contended: left for the next run
        alerted += 1
    return alerted
