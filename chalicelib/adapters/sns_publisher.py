"""Publishing alerts to the stage's SNS topic, with the attributes agencies filter on."""

from __future__ import annotations

import json
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters import aws_clients
from chalicelib.domain.alerts import Alert
from chalicelib.services.ports import PublishFailed

# Fail fast: a dispatcher that waits on a dead endpoint delays every alert behind it.
CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})


def alert_topic_name(stage: str) -> str:
    return f"proof-free-{stage}-agency-alerts"


class SnsPublisher:
    def __init__(self, client: Any, topic_arn: str, stage: str) -> None:
        """`topic_arn` is given on deployed stages; under make run it is looked up by name
        (create_topic on an existing name returns its ARN) when first needed."""
        self._client = client
        self._topic_arn = topic_arn
        self._stage = stage

    def publish(self, alert: Alert) -> None:
        attributes = {
            name: {"DataType": "String", "StringValue": value} for name, value in alert.attributes().items()
        }
        try:
            if not self._topic_arn:
                self._topic_arn = self._client.create_topic(Name=alert_topic_name(self._stage))["TopicArn"]
            self._client.publish(
                TopicArn=self._topic_arn,
                Message=json.dumps(alert.message(), ensure_ascii=False),
                MessageAttributes=attributes,
            )
        except (BotoCoreError, ClientError) as error:
            raise PublishFailed(type(error).__name__) from error


def sns_client(region: str) -> Any:
    return aws_clients.client("sns", region, CLIENT_CONFIG)
