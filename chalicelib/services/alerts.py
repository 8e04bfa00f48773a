"""Publishing committed alerts: the outbox is drained in order, at least once per alert.

A state change writes its alerts to the outbox in the same transaction, so an alert exists
exactly when its change does. This dispatcher hands them to SNS; when SNS fails it stops and
leaves the rest for the next run, so an outage delays alerts and loses none. Consumers
deduplicate on `event_id` (a retry after a crash between publishing and removing may repeat).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.domain.alerts import Alert
from chalicelib.services.ports import AlertPublisher, Outbox, PublishFailed


@dataclass(frozen=True)
class DispatchReport:
    published: int
    waiting: bool  # alerts are left because SNS failed
    oldest_unsent_at: str | None = None  # when the oldest alert still in the outbox was committed


class AlertDispatcher:
    def __init__(
        self, outbox: Outbox, publisher: AlertPublisher, after_publish: Callable[[Alert], None]
    ) -> None:
        self._outbox = outbox
        self._publisher = publisher
        self._after_publish = after_publish

    def dispatch(self, limit: int = 100) -> DispatchReport:
        """Publish what is pending, then settle what went out.

        Every alert of the batch is published before any is settled (its trail entry written and
        its outbox row removed): settling takes several DynamoDB calls, and doing it between
        publishes kept the last alerts of a busy batch waiting (bench/alert_latency.py). A crash
        before settling means a repeat next run, which consumers already deduplicate."""
        batch = self._outbox.pending(limit)
        published: list[Alert] = []
        unsent: Alert | None = None
        for alert in batch:
            try:
                self._publisher.publish(alert)
            except PublishFailed:
                unsent = alert
                break
            published.append(alert)
        for alert in published:
            self._settle(alert)
        if unsent is None and len(batch) == limit:  # a full batch went out: more may wait behind it
            unsent = next(iter(self._outbox.pending(1)), None)
        waiting = len(published) < len(batch)
        return DispatchReport(len(published), waiting, unsent.occurred_at if unsent else None)

    def publish_one(self, alert: Alert) -> None:
        """Publish one committed alert and take it out of the outbox; PublishFailed leaves it."""
        self._publisher.publish(alert)
        self._settle(alert)

    def _settle(self, alert: Alert) -> None:
        self._after_publish(alert)
        self._outbox.remove(alert)
