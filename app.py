"""Proof-Free City API: registers the blueprints and the HTTP middleware. No logic here."""

import gc
import os

# Lambda's init makes nothing worth collecting: the cyclic collector stays off while the
# modules load (about 10 ms of a cold start), and what they built, which lives as long as the
# process, is then frozen out of its sight, so that no collection during a request walks it
# (about 18 ms of a cold first request: botocore's client is built then). In Lambda, where an
# event always follows the init, the collector stays off through the first event too, which
# builds what the container then keeps (the clients, the capability's code, the validators).
# bench: cold first response.
gc.disable()

from typing import Any

from chalice.app import Chalice, Rate

from chalicelib.api import jobs
from chalicelib.api.catalogue import catalogue
from chalicelib.api.commitments import commitments
from chalicelib.api.federation import federation
from chalicelib.api.lost_notices import lost_notices
from chalicelib.api.matters import matters
from chalicelib.api.middleware import http_middleware, resume_collector, resume_collector_after_first
from chalicelib.api.public import public
from chalicelib.api.relay import relay
from chalicelib.api.supervision import supervision
from chalicelib.api.transparency import transparency
from chalicelib.api.units import units
from chalicelib.api.workbench import workbench

# Powertools Logger prints the log lines; Chalice's own handler would print them twice.
app = Chalice(app_name="proof-free-city", configure_logs=False)
app.register_middleware(http_middleware, "http")
for blueprint in (
    units,
    catalogue,
    matters,
    relay,
    commitments,
    lost_notices,
    supervision,
    public,
    federation,
    transparency,
    workbench,
):
    app.register_blueprint(blueprint)


# Drains the alert outbox and retries what SNS refused. (Under `make run` a local loop calls
# the same functions every half second.)
@app.schedule(Rate(1, unit=Rate.MINUTES))
def dispatch_alerts(event: dict[str, Any]) -> None:  # noqa: ARG001 - Chalice passes the schedule event
    jobs.dispatch_alerts()


@app.schedule(Rate(15, unit=Rate.MINUTES))
def mark_overdue_requests(event: dict[str, Any]) -> None:  # noqa: ARG001
    jobs.mark_overdue_requests()


@app.schedule(Rate(1, unit=Rate.HOURS))
def alert_overdue_commitment_checks(event: dict[str, Any]) -> None:  # noqa: ARG001
    jobs.alert_overdue_commitment_checks()


@app.schedule(Rate(15, unit=Rate.MINUTES))
def alert_reissues_due(event: dict[str, Any]) -> None:  # noqa: ARG001
    jobs.alert_reissues_due()


@app.schedule(Rate(1, unit=Rate.HOURS))
def alert_overdue_rectifications(event: dict[str, Any]) -> None:  # noqa: ARG001
    jobs.alert_overdue_rectifications()


# Triggered by the table's stream (infra/stack.py wires it, with a dead-letter queue and
# partial-batch reporting): alerts go out within seconds of their commit in AWS too.
@app.lambda_function(name="dispatch_outbox")
def dispatch_outbox(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return jobs.dispatch_stream_batch(event, context)


# Triggered by the stage's federation queue (infra/stack.py): delivers messages to peer
# stages; a failed one comes back after a growing back-off (partial-batch response).
@app.lambda_function(name="deliver_messages")
def deliver_messages(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return jobs.deliver_message_batch(event, context)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def forward_messages(event: dict[str, Any]) -> None:  # noqa: ARG001 - the stream's safety net, as dispatch_alerts is
    jobs.forward_messages()
    # The anchor pushes a new directory version to every stage; the others poll it (API.md:
    # every stage holds it within 2 minutes). Here rather than in a function of its own: the
    # work is a read or two a minute, not worth another function, log group and alarm metric.
    jobs.sync_directory()


# The transparency log: new trail events get their place, a checkpoint is signed when
# anything moved, and the next slice of the log is audited (the change logs once a day). (One
# function: each more is one more log group, and one more schedule to pay for when idle.)
@app.schedule(Rate(5, unit=Rate.MINUTES))
def transparency_log(event: dict[str, Any]) -> None:  # noqa: ARG001
    jobs.maintain_transparency_log()


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    app.register_middleware(resume_collector_after_first, "all")
else:
    resume_collector()
