"""Scheduled work: the same functions run from Lambda schedules and from `make run`'s loop."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any

from chalicelib import wiring
from chalicelib.adapters import metrics
from chalicelib.domain.alerts import Alert
from chalicelib.domain.clock import parse_time
from chalicelib.domain.federation import Message
from chalicelib.observability import flush_metrics, logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord


CHECKPOINTS_PER_RUN = 20  # more than one only while a bulk of catalogue changes waits


def _emits_metrics[Job: Callable[..., Any]](job: Job) -> Job:
    """Print the metrics a job recorded when it ends, as the HTTP middleware does for a request."""

    @wraps(job)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return job(*args, **kwargs)
        finally:
            flush_metrics(lambda: wiring.settings().stage)

    return run  # type: ignore[return-value]


@_emits_metrics
def dispatch_alerts() -> int:
    """Publish committed alerts; what SNS refuses now stays for the next run. Every run reports
    the age of the oldest alert left unsent (0 when none is): the alarm on unsent alerts reads it,
    and a run that stops reporting breaches it too. What was published or failed is reported
    only when there was some: a custom metric costs ¥2 a month for each month it is printed in,
    and a stage nobody uses should not pay for a stream of zeros (make bench: the province)."""
    report = wiring.dispatcher().dispatch()
    if report.published or report.waiting:
        logger.info("alerts dispatched", extra={"published": report.published, "waiting": report.waiting})
    if report.published:
        metrics.record(metrics.ALERTS_PUBLISHED, report.published)
    if report.waiting:
        metrics.record(metrics.ALERT_PUBLISH_FAILURES)
    oldest = report.oldest_unsent_at
    age = (wiring.clock() - parse_time(oldest)).total_seconds() if oldest else 0
    metrics.record(metrics.OLDEST_UNSENT_ALERT_AGE, max(age, 0), "Seconds")
    return report.published


@_emits_metrics
def forward_messages() -> int:
    """Hand the committed messages to peer stages to the delivery queue, and put back on it those
    it was given longer ago than it keeps messages (their rows are the copies that remain)."""
    if wiring.federation_queue() is None:
        return 0  # a stage of its own
    service = wiring.federation()
    queued = _counted("federation messages queued", service.forward())
    retention = timedelta(seconds=wiring.settings().federation_queue_retention)
    requeued = service.requeue(retention)
    if requeued:
        logger.warning("federation messages put back on the queue", extra={"count": requeued})
        metrics.record(metrics.FEDERATION_REQUEUED, requeued)
    return queued + requeued


def deliver_message(body: str, attempts: int) -> bool:
    """Deliver one queued message to its peer. True when it is done with: delivered, or refused
    by the peer for good (logged and counted for the alarm: it stays in the table with the
    answer); False (and logged) when the peer did not take it now, so the queue retries it."""
    message = Message.parse(json.loads(body))
    try:
        refusal = wiring.federation().deliver(message)
    except Exception as error:  # noqa: BLE001 - any failure is retried from the queue
        logger.warning(
            "federation delivery failed",
            extra={
                "to_stage": message.to_stage,
                "type": message.type,
                "attempts": attempts,
                "error": str(error),
            },
        )
        metrics.record(metrics.FEDERATION_DELIVERY_FAILURES)
        return False
    if refusal is not None:
        logger.error(
            "a peer refused a message for good",
            extra={"message_id": message.message_id, "to_stage": message.to_stage, "type": message.type}
            | {"status": refusal.status, "code": refusal.code},
        )
        metrics.record(metrics.FEDERATION_REFUSED)
        return True
    metrics.record(metrics.FEDERATION_DELIVERED)
    return True


PEERS_AT_ONCE = 4  # peers a batch delivers to side by side


def deliver_batch(batch: list[tuple[str, int]]) -> list[bool]:
    """Deliver a batch of queued messages (body, attempts): each peer's in turn, the peers side
    by side, so that a peer that hangs never delays another's. A peer that timed out rests
    (adapters/peers.py): its next messages fail at once, so it costs the batch one timeout at
    most; a message it refuses for now (409) does not hold back the ones after it, which the
    peer puts in order itself. Whether each is done with, as deliver_message says."""
    by_peer: dict[str, list[int]] = {}
    for index, (body, _) in enumerate(batch):
        by_peer.setdefault(_peer_of(body), []).append(index)
    done = [False] * len(batch)

    def one_peer(indexes: list[int]) -> None:
        for index in indexes:
            done[index] = deliver_message(*batch[index])

    if len(by_peer) == 1:
        one_peer(next(iter(by_peer.values())))  # no thread for the common case
    elif by_peer:
        with ThreadPoolExecutor(max_workers=min(PEERS_AT_ONCE, len(by_peer))) as pool:
            list(pool.map(one_peer, by_peer.values()))
    return done


def _peer_of(body: str) -> str:
    try:
        return str(json.loads(body).get("to_stage"))
    except (ValueError, AttributeError):
        return ""  # deliver_message logs it


@_emits_metrics
def deliver_waiting(wait_seconds: int = 1) -> int:
    """`make run`'s consumer of the delivery queue, as Lambda's SQS trigger is in AWS: a message
    the peer did not take comes back after a back-off that grows with each attempt."""
    queue = wiring.federation_queue()
    if queue is None:
        return 0
    records = queue.receive(wait_seconds)
    attempts = [int(r.get("Attributes", {}).get("ApproximateReceiveCount", "1")) for r in records]
    done = deliver_batch([(r["Body"], n) for r, n in zip(records, attempts, strict=True)])
    for record, tries, ok in zip(records, attempts, done, strict=True):
        if ok:
            queue.done(record["ReceiptHandle"])
        else:
            queue.later(record["ReceiptHandle"], tries)
    return sum(done)


@_emits_metrics
def deliver_message_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS-triggered delivery in AWS: failed records are reported back (partial batch), and
    each is held back for longer after every attempt before SQS offers it again."""
    queue = wiring.federation_queue()
    records = event.get("Records", [])
    attempts = [int(r.get("attributes", {}).get("ApproximateReceiveCount", "1")) for r in records]
    done = deliver_batch([(r["body"], n) for r, n in zip(records, attempts, strict=True)])
    failures = []
    for record, tries, ok in zip(records, attempts, done, strict=True):
        if not ok:
            if queue is not None:
                queue.later(record["receiptHandle"], tries)
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


@_emits_metrics
def mark_overdue_requests() -> int:
    """Mark what is past due, then report the backlog of requests overdue now."""
    service = wiring.relay()
    marked = _counted("requests marked overdue", service.mark_overdue())
    metrics.record(metrics.OVERDUE_BACKLOG, service.overdue_now())
    return marked


@_emits_metrics
def alert_overdue_commitment_checks() -> int:
    return _counted("overdue commitment checks alerted", wiring.commitments().alert_overdue_checks())


@_emits_metrics
def alert_reissues_due() -> int:
    return _counted("reissues due alerted", wiring.lost_notices().alert_reissues_due())


@_emits_metrics
def alert_overdue_rectifications() -> int:
    return _counted("overdue rectifications alerted", wiring.supervision().alert_overdue_rectifications())


@_emits_metrics
def maintain_transparency_log() -> int:
    """Give the new trail events their place in the log and sign a checkpoint if anything moved,
    then read the next slice of the log (each event once a day; the change logs, this stage's
    and its peers', once a day). A log that does not extend the last checkpoint is not signed:
    the alarm is raised instead."""
    service = wiring.transparency()
    runs = service.issue_checkpoints(CHECKPOINTS_PER_RUN)
    for run in runs:
        if run.checkpoint is not None:
            logger.info(
                "checkpoint issued",
                extra={"number": run.checkpoint.number, "tree_size": run.checkpoint.tree_size},
            )
    audited, witness = service.audit_step(), wiring.witness()
    if audited.daily:
        witness.audit_peers()  # the peers' change logs, read as an outsider reads them
    problems = runs[-1].problems + audited.problems + ("disputed",) * witness.recent_disputes()
    # Reported on every run, 0 included, so that the alarm also sees a job that stopped.
    metrics.record(metrics.TRANSPARENCY_DAMAGE, len(problems))
    if problems:
        logger.error(
            "a transparency log does not extend its last checkpoint",
            extra={"code": "log_inconsistent", "problems": list(dict.fromkeys(problems))},
        )
    return sum(run.sequenced for run in runs)


def _counted(what: str, count: int) -> int:
    """Log what a job did, when it did anything (an idle run every few seconds stays quiet)."""
    if count:
        logger.info(what, extra={"count": count})
    return count


@_emits_metrics
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
    forwarded = False

    def publish(record: DynamoDBRecord) -> None:
        nonlocal forwarded
        image = record.dynamodb.new_image if record.dynamodb else None
        if image and image.get("pk") == "FEDOUT":
            # One forwarding run hands every new message to the queue, in commit order: the
            # batch's other new messages need no run of their own.
            if not forwarded:
                _counted("federation messages queued", wiring.federation().forward())
                forwarded = True
            return
        if image and image.get("pk") == "OUTBOX":
            try:
                dispatcher.publish_one(Alert.from_message(json.loads(image["message"])))
            except Exception:
                metrics.record(metrics.ALERT_PUBLISH_FAILURES)
                raise  # reported back as a failed record, so the stream retries it
            metrics.record(metrics.ALERTS_PUBLISHED)

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    answer = process_partial_response(
        event=event, record_handler=publish, processor=processor, context=context
    )
    return dict(answer)


@_emits_metrics
def sync_directory(every_call: bool = False) -> int:
    """The anchor pushes its newest directory to the stages that have not taken it, at each
    call; every other stage polls the anchor for a newer one, every DIRECTORY_POLL_MINUTES of
    the clock (`every_call`: at each call, as under `make run`). API.md: the push, with the
    poll as the fallback. Then the stage introduces itself to the stages its versions added."""
    from chalicelib.services.directory import DIRECTORY_POLL_MINUTES  # what syncs loads the rest

    directory = wiring.directory()
    config = wiring.settings()
    if config.federation_anchor == config.stage:
        synced = directory.push()
    elif every_call or wiring.clock().minute % DIRECTORY_POLL_MINUTES == 0:
        synced = int(directory.poll())
    else:
        synced = 0
    introduced = directory.introduce_owed()
    if introduced:
        logger.info("introduced this stage to stages that joined", extra={"stages": introduced})
    return synced


def open_directory() -> str:
    """The anchor's first version, when it holds none: the stages it was deployed with whose keys
    its operators pinned, signed. The province's other planned stages join with a later version
    (a PUT), once their keys exist."""
    directory = wiring.directory()
    config = wiring.settings()
    if config.federation_anchor != config.stage or directory.held() is not None:
        return "held" if directory.held() else "none held yet: taken from the anchor"
    pinned = [entry for entry in wiring.notary().directory.to_view()["stages"] if entry["jwks"]["keys"]]
    return f"version {directory.publish({'version': 1, 'stages': pinned}).version} signed"
