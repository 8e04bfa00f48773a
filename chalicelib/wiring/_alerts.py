"""The dispatcher of the alert outbox to SNS."""

from __future__ import annotations

import os
from functools import lru_cache

from chalicelib.adapters.outbox import DynamoOutbox
from chalicelib.adapters.sns_publisher import SnsPublisher, sns_client
from chalicelib.domain.alerts import Alert
from chalicelib.services.alerts import AlertDispatcher
from chalicelib.settings import Settings
from chalicelib.wiring._commitment_checks import commitment_checks
from chalicelib.wiring._relay import relay
from chalicelib.wiring._stage import bind_tables


def dispatcher() -> AlertDispatcher:
    config, _ = bind_tables()  # binds the rows (the outbox among them) to this configuration's table
    publisher = _publisher(config, os.environ.get("AWS_ENDPOINT_URL_SNS", ""))
    relay_service, checks = relay(), commitment_checks()

    def after_publish(alert: Alert) -> None:
        relay_service.record_alerted(alert)
        checks.follow(alert)

    return AlertDispatcher(DynamoOutbox(), publisher, after_publish)


@lru_cache(maxsize=8)
def _publisher(config: Settings, endpoint: str) -> SnsPublisher:  # noqa: ARG001 - endpoint: cache key
    return SnsPublisher(sns_client(config.region), config.alert_topic_arn, config.stage)
