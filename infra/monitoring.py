"""What a stage's operators watch: a dashboard of the business metrics beside the API's
latency and errors, and alarms that reach the ops topic.

The ops topic is encrypted with a key of the stack's own that CloudWatch may use: CloudWatch
cannot publish to a topic encrypted with the AWS-managed SNS key, so alarms sent there would
be dropped without a word. Each alarm's description says what it means and what to do; the
runbook (docs/runbook.md, "Alarms") says the same at more length.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from chalicelib.adapters import metrics as names
from chalicelib.services.directory import DIRECTORY_POLL_MINUTES
from infra.stages import Stage

if TYPE_CHECKING:
    from infra.stack import ProofFreeCityStack

API_NAME = "proof-free-city"  # Chalice's app_name names the REST API
API_STAGE = "api"
UNSENT_ALERT_LIMIT = cdk.Duration.minutes(5)
CLOUDWATCH = iam.ServicePrincipal("cloudwatch.amazonaws.com")
TABLE_OPERATIONS = [
    dynamodb.Operation.GET_ITEM,
    dynamodb.Operation.QUERY,
    dynamodb.Operation.BATCH_GET_ITEM,
    dynamodb.Operation.TRANSACT_WRITE_ITEMS,
    dynamodb.Operation.PUT_ITEM,
    dynamodb.Operation.UPDATE_ITEM,
    dynamodb.Operation.DELETE_ITEM,
]


class Monitoring(Construct):
    def __init__(self, scope: Construct, construct_id: str, stage: Stage, stack: ProofFreeCityStack) -> None:
        super().__init__(scope, construct_id)
        self.stage = stage
        self.stack = stack
        self.ops = self._ops_topic()
        self.alarms = self._alarms()
        for alarm in self.alarms:
            alarm.add_alarm_action(actions.SnsAction(self.ops))
        self.dashboard = self._dashboard()
        region = cdk.Stack.of(self).region
        cdk.CfnOutput(
            scope, "OpsTopicArn", value=self.ops.topic_arn, description="Subscribe the on-call here"
        )
        cdk.CfnOutput(
            scope,
            "DashboardUrl",
            value=f"https://console.amazonaws.cn/cloudwatch/home?region={region}#dashboards:name=proof-free-{stage.name}",
        )

    # The ops topic, and a key CloudWatch may use to publish to it

    def _ops_topic(self) -> sns.Topic:
        key = kms.Key(
            self,
            "OpsKey",
            description=f"proof-free-{self.stage.name}: encrypts the ops alarm topic",
            enable_key_rotation=True,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[CLOUDWATCH], actions=["kms:Decrypt", "kms:GenerateDataKey*"], resources=["*"]
            )
        )
        topic = sns.Topic(self, "OpsAlarms", master_key=key, enforce_ssl=True)
        # The on-call addresses of the stage's settings; each confirms once from the e-mail SNS
        # sends (the China regions offer no SMS: e-mail, HTTPS or SQS).
        for address in self.stage.alarm_emails:
            topic.add_subscription(subscriptions.EmailSubscription(address))
        account = cdk.Stack.of(self).account
        alarms = cdk.Stack.of(self).format_arn(
            service="cloudwatch",
            resource="alarm",
            resource_name="*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[CLOUDWATCH],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": alarms},
                },
            )
        )
        return topic

    # Metrics

    def business(self, name: str, statistic: str = "Sum", minutes: int = 5) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=names.NAMESPACE,
            metric_name=name,
            dimensions_map={"service": names.SERVICE, "stage": self.stage.name},
            statistic=statistic,
            period=cdk.Duration.minutes(minutes),
        )

    def api(self, name: str, statistic: str = "Sum") -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name=name,
            dimensions_map={"ApiName": API_NAME, "Stage": API_STAGE},
            statistic=statistic,
            period=cdk.Duration.minutes(5),
        )

    def function_throttles(self) -> cloudwatch.Metric:
        """Lambda's throttles across the account: a stage has an account of its own, and its
        functions share the account's concurrency, which is what runs out. One alarm metric,
        where one per function cost ten (¥0.622 a month each: make bench, the province)."""
        return cloudwatch.Metric(
            namespace="AWS/Lambda",
            metric_name="Throttles",
            statistic="Sum",
            period=cdk.Duration.minutes(5),
        )

    def directory_problems(self) -> cloudwatch.MathExpression:
        """A refused version or a change of this stage's own entry, or every poll of the last 10
        minutes failing to reach the anchor (one every DIRECTORY_POLL_MINUTES)."""
        polls = 10 // DIRECTORY_POLL_MINUTES
        return cloudwatch.MathExpression(
            expression=f"FILL(problems, 0) + IF(FILL(unreachable, 0) >= {polls}, 1, 0)",
            using_metrics={
                "problems": self.business(names.DIRECTORY_PROBLEMS, minutes=10),
                "unreachable": self.business(names.ANCHOR_UNREACHABLE, minutes=10),
            },
            label="Directory problems",
            period=cdk.Duration.minutes(10),
        )

    def table_throttles(self) -> cloudwatch.IMetric:
        return self.stack.data_table.metric_throttled_requests_for_operations(
            operations=TABLE_OPERATIONS, period=cdk.Duration.minutes(5)
        )

    # Alarms: each says what it means and what to do

    def _alarms(self) -> list[cloudwatch.Alarm]:
        above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
        at_least = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        quiet = cloudwatch.TreatMissingData.NOT_BREACHING
        dead_letters = self.stack.dead_letters.metric_approximate_number_of_messages_visible(
            period=cdk.Duration.minutes(1)
        )
        limit_seconds = UNSENT_ALERT_LIMIT.to_seconds()
        specs = [
            (
                "DeadLetteredAlerts",
                dead_letters,
                1,
                at_least,
                quiet,
                "An outbox stream batch failed every retry. Its alerts stay in the outbox and the "
                "dispatch schedule retries them; read the DispatchOutbox log, then purge the queue.",
            ),
            (
                "DeadLetteredMessages",
                self.stack.federation_dead_letters.metric_approximate_number_of_messages_visible(
                    period=cdk.Duration.minutes(5)
                ),
                1,
                at_least,
                quiet,
                "A message to a peer stage failed 1,000 delivery attempts (days of the peer "
                "unreachable or answering with an error). The message is still in the stage's table: "
                "the forwarding job puts it back on the queue once the queue's retention has passed. "
                "Read the DeliverMessages log for the peer and its answer; once the peer takes "
                "messages again, run `make redrive STAGE=<stage>` (docs/runbook.md).",
            ),
            (
                "RefusedMessages",
                self.business(names.FEDERATION_REFUSED),
                1,
                at_least,
                quiet,
                "A peer stage refused a message for good (400 or 403): it will not be sent again. It "
                "is kept in the table with the peer's answer. Read the DeliverMessages log (\"a peer "
                "refused a message for good\") and tell the peer's operators: either its stage and "
                "this one disagree on the protocol, or this stage spoke for a unit not homed on it.",
            ),
            (
                "FederationDirectory",
                self.directory_problems(),
                1,
                at_least,
                quiet,
                "This stage refused a directory version (not signed by a trusted anchor key, older "
                "than the one it holds, or malformed), a new version changed this stage's own entry, "
                "or the anchor could not be reached for 10 minutes. The stage keeps trusting the newest "
                'version it holds. Read the log ("federation directory refused", "this stage\'s own '
                'directory entry changed", "federation anchor unreachable") and ask the federation\'s '
                "operators whether they published it; if the anchor is down, nothing is lost "
                "(docs/runbook.md, Federation).",
            ),
            (
                "ServerErrors",
                self.api("5XXError"),
                1,
                at_least,
                quiet,
                "The API answered with a 5xx, which no input may cause. Read the APIHandler log "
                "for the correlation id, and file the defect.",
            ),
            (
                "UnsentAlerts",
                self.business(names.OLDEST_UNSENT_ALERT_AGE, "Maximum"),
                limit_seconds,
                above,
                # The dispatch schedule reports every minute: silence means it is not running.
                cloudwatch.TreatMissingData.BREACHING,
                f"An alert committed more than {int(limit_seconds)} s ago is still unsent (or the "
                "dispatch schedule stopped reporting). Check AlertPublishFailures and the "
                "DispatchAlerts log: SNS refusing, the topic's key, or the function failing.",
            ),
            (
                "OverdueBacklog",
                self.business(names.OVERDUE_BACKLOG, "Maximum", minutes=15),
                self.stage.overdue_backlog_alarm,
                above,
                quiet,
                f"More than {self.stage.overdue_backlog_alarm} verification requests are overdue. "
                "Target units are not answering: tell their supervisors (GET /units/{id}/supervision).",
            ),
            (
                "TransparencyLogDamage",
                self.business(names.TRANSPARENCY_DAMAGE, "Maximum", minutes=15),
                1,
                at_least,
                # The transparency job reports every five minutes: silence means it stopped.
                cloudwatch.TreatMissingData.BREACHING,
                "The stage's own tables no longer extend the last checkpoint it signed (or the "
                "transparency job stopped reporting): someone edited the log behind the service, "
                "and no new checkpoint is signed. Read the TransparencyLog log for the problems "
                "found, keep the table as it is (evidence), and tell the supervisors "
                "(docs/transparency.md).",
            ),
            (
                "FunctionThrottles",
                self.function_throttles(),
                1,
                at_least,
                quiet,
                "Lambda throttled a function: the account's concurrency is exhausted. Ask for a "
                "higher concurrency quota or lower the stage's API rate limit (infra/stages.py).",
            ),
            (
                "TableThrottles",
                self.table_throttles(),
                1,
                at_least,
                quiet,
                "DynamoDB throttled the stage's table (hot partition or account limits). Its "
                "contributor insights (throttled keys) name the keys; the dashboard the operations.",
            ),
        ]
        return [
            cloudwatch.Alarm(
                self,
                name,
                alarm_name=f"proof-free-{self.stage.name}-{name}",
                metric=metric,
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=operator,
                treat_missing_data=missing,
                alarm_description=description,
            )
            for name, metric, threshold, operator, missing, description in specs
        ]

    # The dashboard

    def _dashboard(self) -> cloudwatch.Dashboard:
        def graph(title: str, metrics: list[cloudwatch.IMetric], width: int = 8) -> cloudwatch.GraphWidget:
            return cloudwatch.GraphWidget(title=title, left=metrics, width=width)

        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=f"proof-free-{self.stage.name}")
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24, height=3)
        )
        dashboard.add_widgets(
            graph(
                "Verification requests",
                [
                    self.business(names.REQUESTS_CREATED),
                    self.business(names.REQUESTS_COMPLETED),
                    self.business(names.REQUESTS_REJECTED),
                    self.business(names.REQUESTS_OVERDUE),
                ],
            ),
            graph("Overdue now", [self.business(names.OVERDUE_BACKLOG, "Maximum", minutes=15)]),
            graph(
                "Commitments and lost notices",
                [
                    self.business(names.COMMITMENTS_FILED),
                    self.business(names.FALSE_COMMITMENTS),
                    self.business(names.NOTICES_PUBLISHED),
                    self.business(names.NOTICES_REISSUED),
                ],
            ),
        )
        dashboard.add_widgets(
            graph(
                "Alerts",
                [self.business(names.ALERTS_PUBLISHED), self.business(names.ALERT_PUBLISH_FAILURES)],
            ),
            graph(
                "Oldest unsent alert (s)",
                [self.business(names.OLDEST_UNSENT_ALERT_AGE, "Maximum", minutes=1)],
            ),
            graph(
                "Throttling",
                [
                    self.function_throttles(),
                    self.table_throttles(),
                ],
            ),
        )
        dashboard.add_widgets(
            graph(
                "API latency (ms)",
                [
                    self.api("Latency", "p50"),
                    self.api("Latency", "p95"),
                    self.api("IntegrationLatency", "p95"),
                ],
                width=12,
            ),
            graph(
                "API requests and errors",
                [self.api("Count"), self.api("4XXError"), self.api("5XXError")],
                width=12,
            ),
        )
        return dashboard
