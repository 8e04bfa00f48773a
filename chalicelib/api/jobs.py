"""Scheduled work: the same functions run from Lambda schedules and from `make run`'s loop."""

from __future__ import annotations

from chalicelib import wiring
from chalicelib.observability import logger


def dispatch_alerts() -> int:
    """Publish committed alerts; what SNS refuses now stays for the next run."""
    report = wiring.dispatcher().dispatch()
    if report.published or report.waiting:
        logger.info("alerts dispatched", extra={"published": report.published, "waiting": report.waiting})
    return report.published


def mark_overdue_requests() -> int:
    marked = wiring.relay().mark_overdue()
    if marked:
        logger.info("requests marked overdue", extra={"count": marked})
    return marked


def alert_overdue_commitment_checks() -> int:
    alerted = wiring.commitments().alert_overdue_checks()
    if alerted:
        logger.info("overdue commitment checks alerted", extra={"count": alerted})
    return alerted


def alert_reissues_due() -> int:
    alerted = wiring.lost_notices().alert_reissues_due()
    if alerted:
        logger.info("reissues due alerted", extra={"count": alerted})
    return alerted


def alert_overdue_rectifications() -> int:
    alerted = wiring.supervision().alert_overdue_rectifications()
    if alerted:
        logger.info("overdue rectifications alerted", extra={"count": alerted})
    return alerted
