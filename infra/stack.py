"""One county stage: its tables, alert topic, outbox stream with a dead-letter queue, alarms,
throttling, least-privilege role, and the Chalice app (API and scheduled jobs) on top."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from chalice.cdk import Chalice
from constructs import Construct

from chalicelib.adapters.sns_publisher import alert_topic_name
from chalicelib.adapters.tables import idempotency_table_definition, main_table_definition
from chalicelib.api.errors import NO_ROUTE
from infra.local.stack import PROJECT
from infra.stages import Stage

# Access log fields: no query string, headers or body, which may carry personal data.
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","method":"$context.httpMethod",'
    '"resource":"$context.resourcePath","status":"$context.status","latencyMs":"$context.responseLatency"}'
)


class ProofFreeCityStack(cdk.Stack):
    def __init__(self, scope: Construct, stage: Stage, auth: dict[str, str], **kwargs: Any) -> None:
        super().__init__(scope, stage.name, **kwargs)
        self.stage = stage
        self.table = self._table(main_table_definition(f"proof-free-{stage.name}"), stream=True)
        self.idempotency_table = self._table(
            idempotency_table_definition(f"proof-free-{stage.name}-idempotency")
        )
        sns_key = kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns")
        self.alerts = sns.Topic(
            self,
            "AgencyAlerts",
            topic_name=alert_topic_name(stage.name),
            master_key=sns_key,
            enforce_ssl=True,
        )
        self.ops = sns.Topic(self, "OpsAlarms", master_key=sns_key, enforce_ssl=True)
        self.dead_letters = sqs.Queue(
            self,
            "OutboxDeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        self.secrets = {
            "CURSOR_SECRET": self._secret("CursorKey", "Signs list cursors"),
            "PSEUDONYM_SECRET": self._secret("PseudonymKey", "Keys the HMAC of ID numbers; never rotate"),
        }
        self.role = self._role()
        self.app = Chalice(self, "Api", source_dir=str(PROJECT), stage_config=self._stage_config(auth))
        self._wire_outbox_stream()
        self._shape_api()
        self._alarms()

    # Storage

    def _table(self, definition: dict[str, Any], stream: bool = False) -> dynamodb.Table:
        """A table from the same definition the local stack creates, so the two cannot differ."""
        string = dynamodb.AttributeType.STRING
        keys = {k["KeyType"]: k["AttributeName"] for k in definition["KeySchema"]}
        table = dynamodb.Table(
            self,
            definition["TableName"].replace("proof-free-", "").title().replace("-", ""),
            table_name=definition["TableName"],
            partition_key=dynamodb.Attribute(name=keys["HASH"], type=string),
            sort_key=dynamodb.Attribute(name=keys["RANGE"], type=string) if "RANGE" in keys else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            stream=dynamodb.StreamViewType.NEW_IMAGE if stream else None,
            time_to_live_attribute=None if stream else "expiration",
        )
        for index in definition.get("GlobalSecondaryIndexes", []):
            schema = {k["KeyType"]: k["AttributeName"] for k in index["KeySchema"]}
            table.add_global_secondary_index(
                index_name=index["IndexName"],
                partition_key=dynamodb.Attribute(name=schema["HASH"], type=string),
                sort_key=dynamodb.Attribute(name=schema["RANGE"], type=string),
            )
        for index in definition.get("LocalSecondaryIndexes", []):
            schema = {k["KeyType"]: k["AttributeName"] for k in index["KeySchema"]}
            table.add_local_secondary_index(
                index_name=index["IndexName"], sort_key=dynamodb.Attribute(name=schema["RANGE"], type=string)
            )
        return table

    def _secret(self, name: str, purpose: str) -> secretsmanager.Secret:
        return secretsmanager.Secret(
            self,
            name,
            description=f"proof-free-{self.stage.name}: {purpose}",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=48
            ),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    # The Lambda functions' role: exactly these tables, this topic, this queue, these logs

    def _role(self) -> iam.Role:
        role = iam.Role(self, "AppRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        self.table.grant_read_write_data(role)
        self.table.grant_stream_read(role)
        self.idempotency_table.grant_read_write_data(role)
        self.alerts.grant_publish(role)
        self.dead_letters.grant_send_messages(role)
        log_groups = self.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"/aws/lambda/{self.stack_name}-*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_groups, f"{log_groups}:*"],
            )
        )
        return role

    def _stage_config(self, auth: dict[str, str]) -> dict[str, Any]:
        environment = {
            "STAGE": self.stage.name,
            "COUNTY": self.stage.name,
            "TABLE_NAME": self.table.table_name,
            "IDEMPOTENCY_TABLE_NAME": self.idempotency_table.table_name,
            "ALERT_TOPIC_ARN": self.alerts.topic_arn,
            "AUTH_ISSUER": auth.get("issuer", ""),
            "AUTH_JWKS_URL": auth.get("jwks_url", ""),
            "AUTH_AUDIENCE": auth.get("audience", ""),
            **{name: secret.secret_value.unsafe_unwrap() for name, secret in self.secrets.items()},
        }
        return {
            "api_gateway_stage": "api",
            "manage_iam_role": False,
            "iam_role_arn": self.role.role_arn,
            "xray": False,  # not offered by Lambda in the China regions
            "lambda_memory_size": 512,
            "lambda_timeout": 30,
            "environment_variables": environment,
        }

    # The outbox: new outbox items reach the dispatcher through the table's stream

    def _wire_outbox_stream(self) -> None:
        # L1: the function is imported from Chalice's template, and the L2 mapping wants to
        # edit its role; the role (ours) already may read the stream and send to the queue.
        pattern = {"eventName": ["INSERT"], "dynamodb": {"Keys": {"pk": {"S": ["OUTBOX"]}}}}
        lambda_.CfnEventSourceMapping(
            self,
            "OutboxStream",
            function_name=self.app.get_function("DispatchOutbox").function_arn,
            event_source_arn=self.table.table_stream_arn,
            starting_position="TRIM_HORIZON",
            batch_size=25,
            bisect_batch_on_function_error=True,
            maximum_retry_attempts=5,
            function_response_types=["ReportBatchItemFailures"],
            destination_config=lambda_.CfnEventSourceMapping.DestinationConfigProperty(
                on_failure=lambda_.CfnEventSourceMapping.OnFailureProperty(
                    destination=self.dead_letters.queue_arn
                )
            ),
            filter_criteria=lambda_.CfnEventSourceMapping.FilterCriteriaProperty(
                filters=[lambda_.CfnEventSourceMapping.FilterProperty(pattern=json.dumps(pattern))]
            ),
        )

    # API Gateway: throttling, access logs, and the contract's error body for unknown paths

    def _shape_api(self) -> None:
        api = self.app.get_resource("RestAPI")
        access_logs = logs.LogGroup(self, "ApiAccessLogs", retention=logs.RetentionDays.SIX_MONTHS)
        api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "MetricsEnabled": True,
                    "ThrottlingRateLimit": self.stage.rate_limit,
                    "ThrottlingBurstLimit": self.stage.burst_limit,
                }
            ],
        )
        api.add_property_override(
            "AccessLogSetting", {"DestinationArn": access_logs.log_group_arn, "Format": ACCESS_LOG_FORMAT}
        )
        code, message, message_zh = NO_ROUTE
        body = f'{{"code":"{code}","message":"{message}","message_zh":"{message_zh}"}}'
        apigw.CfnGatewayResponse(
            self,
            "NoRoute",
            rest_api_id=api.ref,
            response_type="MISSING_AUTHENTICATION_TOKEN",
            status_code="404",
            response_templates={"application/json": body},
        )

    # Alarms: a dead-lettered alert, any 5xx

    def _alarms(self) -> None:
        notify = actions.SnsAction(self.ops)
        dead = cloudwatch.Alarm(
            self,
            "DeadLetteredAlerts",
            metric=self.dead_letters.metric_approximate_number_of_messages_visible(
                period=cdk.Duration.minutes(1)
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            alarm_description="An outbox stream batch failed every retry (the schedule retries its alerts).",
        )
        errors = cloudwatch.Alarm(
            self,
            "ServerErrors",
            metric=cloudwatch.Metric(
                namespace="AWS/ApiGateway",
                metric_name="5XXError",
                dimensions_map={"ApiName": "proof-free-city", "Stage": "api"},
                statistic="Sum",
                period=cdk.Duration.minutes(5),
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description="The API answered with a 5xx: no input may cause one.",
        )
        for alarm in (dead, errors):
            alarm.add_alarm_action(notify)
