"""Scheduled work: the same functions run from Lambda schedules and from `make run`'s loop."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib import wiring
from chalicelib.domain.alerts import Alert
from chalicelib.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord


def dispatch_alerts() -> int:
    """Publish committed alerts; what SNS refuses now stays for the next run."""
    report = wiring.dispatcher().dispatch()
    if report.published or report.waiting:
        logger.info("alerts dispatched", extra={"published": report.published, "waiting": report.waiting})
    return report.published


def mark_overdue_requests() -> int:
    return _counted("requests marked overdue", wiring.relay().mark_overdue())


def alert_overdue_commitment_checks() -> int:
    return _counted("overdue commitment checks alerted", wiring.commitments().alert_overdue_checks())


def alert_reissues_due() -> int:
    return _counted("reissues due alerted", wiring.lost_notices().alert_reissues_due())


def alert_overdue_rectifications() -> int:
    return _counted("overdue rectifications alerted", wiring.supervision().alert_overdue_rectifications())


def _counted(what: str, count: int) -> int:
    """Log what a job did, when it did anything (an idle run every few seconds stays quiet)."""
    if count:
        logger.info(what, extra={"count": count})
    return count


def dispatch_stream_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Publish the alerts that a batch of the table's stream records newly put in the outbox.

    Only failed records are reported back (partial-batch response), so the stream retries those
    alone; after its retries a record goes to the dead-letter queue, and the schedule above
    still finds its alert in the outbox, so nothing is lost either way.
    """
    # Imported here: only the stream function needs the batch utility (about 60 ms of imports),
    # so the API's cold start does not pay for it.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    dispatcher = wiring.dispatcher()

    def publish(record: DynamoDBRecord) -> None:
        image = record.dynamodb.new_image if record.dynamodb else None
        if image and image.get("pk") == "OUTBOX":
            dispatcher.publish_one(Alert.from_message(json.loads(image["message"])))

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    return process_partial_response(event=event, record_handler=publish, processor=processor, context=context)
