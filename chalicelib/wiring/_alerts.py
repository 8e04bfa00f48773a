"""The dispatcher of the alert outbox to SNS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.adapters.outbox import DynamoOutbox
from chalicelib.adapters.sns_publisher import SnsPublisher, sns_client
from chalicelib.domain.alerts import Alert
from chalicelib.services.alerts import AlertDispatcher

if TYPE_CHECKING:
    from chalicelib.wiring import Container


def build_dispatcher(c: Container) -> AlertDispatcher:
    config = c.settings
    publisher = SnsPublisher(sns_client(config.region), config.alert_topic_arn, config.stage)
    relay_service, checks = c.relay, c.commitment_checks

    def after_publish(alert: Alert) -> None:
        relay_service.record_alerted(alert)
        checks.follow(alert)

    return AlertDispatcher(DynamoOutbox(), publisher, after_publish)
