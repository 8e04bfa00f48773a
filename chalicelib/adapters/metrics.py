"""Business metrics for operators: CloudWatch embedded metric format (EMF) lines through
Powertools Metrics, so the request path makes no extra call (CloudWatch reads them from the
function's log). The dashboard and alarms in infra/monitoring.py read these names.

A change's metrics come from the counters it moves in its own transaction (transact.py calls
`record_committed` once the transaction has committed), so a metric is emitted exactly when
its change is written, never for a refused or rolled-back one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping

NAMESPACE = "ProofFreeCity"
SERVICE = "proof-free-city"

REQUESTS_CREATED = "RequestsCreated"
REQUESTS_COMPLETED = "RequestsCompleted"
REQUESTS_REJECTED = "RequestsRejected"
REQUESTS_OVERDUE = "RequestsMarkedOverdue"
OVERDUE_BACKLOG = "OverdueBacklog"  # requests overdue now, after each run of the overdue job
COMMITMENTS_FILED = "CommitmentsFiled"
FALSE_COMMITMENTS = "FalseCommitments"
NOTICES_PUBLISHED = "NoticesPublished"
NOTICES_REISSUED = "NoticesReissued"
ALERTS_PUBLISHED = "AlertsPublished"
ALERT_PUBLISH_FAILURES = "AlertPublishFailures"
OLDEST_UNSENT_ALERT_AGE = "OldestUnsentAlertAgeSeconds"
FEDERATION_DELIVERED = "FederationMessagesDelivered"
FEDERATION_DELIVERY_FAILURES = "FederationDeliveryFailures"
FEDERATION_REFUSED = "FederationMessagesRefused"  # refused by the peer for good: the alarm reads it
FEDERATION_REQUEUED = "FederationMessagesRequeued"  # put back on the queue after its retention
TRANSPARENCY_DAMAGE = "TransparencyLogDamage"  # problems found by the checkpoint job or the audit
# A directory version refused (not the anchor's signature, backwards, malformed), or this
# stage's own entry changed by a new version; and each poll that could not reach the anchor.
DIRECTORY_PROBLEMS = "FederationDirectoryProblems"
ANCHOR_UNREACHABLE = "FederationAnchorUnreachable"

# (counter block, counter) -> metric; the blocks are the repositories' COUNTERS.
COMMITTED = {
    ("VERIFICATION", "requests"): REQUESTS_CREATED,
    ("VERIFICATION", "completed"): REQUESTS_COMPLETED,
    ("VERIFICATION", "rejected"): REQUESTS_REJECTED,
    ("VERIFICATION", "overdue"): REQUESTS_OVERDUE,  # positive moves only: a mark, not an answer
    ("COMMITMENTS", "accepted"): COMMITMENTS_FILED,
    ("COMMITMENTS", "false_commitment"): FALSE_COMMITMENTS,
    ("LOST_NOTICES", "published"): NOTICES_PUBLISHED,
    ("LOST_NOTICES", "reissued"): NOTICES_REISSUED,
}

_lock = threading.Lock()
_pending: list[tuple[str, float, str]] = []


def record(name: str, value: float = 1, unit: str = "Count") -> None:
    with _lock:
        _pending.append((name, value, unit))


def record_committed(moves: Iterable[tuple[tuple[str, str], Mapping[str, int]]]) -> None:
    """The metrics of counter moves (item key, counts) that a transaction has just committed."""
    for (pk, sk), counts in moves:
        block = sk.partition("#")[0] if pk == "STATS" else ""
        for counter, n in counts.items():
            name = COMMITTED.get((block, counter))
            if name and n > 0:
                record(name, n)


def recorded() -> bool:
    return bool(_pending)


def flush(stage: str) -> None:
    """Print what was recorded as one EMF line (nothing when nothing was recorded)."""
    with _lock:
        taken = _pending[:]
        _pending.clear()
    if not taken:
        return
    # Imported on first use: a public read that records nothing never loads it.
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

    provider = AmazonCloudWatchEMFProvider(namespace=NAMESPACE, service=SERVICE)
    provider.add_dimension("stage", stage)
    for name, value, unit in taken:
        provider.add_metric(name=name, unit=unit, value=value)
    provider.flush_metrics()
