"""One county stage: its tables, alert topic, outbox stream with a dead-letter queue, its
federation keys and delivery queue, throttling, least-privilege role, log groups, and the
Chalice app (a REGIONAL API and the scheduled jobs) on top; its alarms and dashboard are in
infra/monitoring.py. Everything it is built from is the stage's settings (infra/stages.py).

What outlives the stack (docs/runbook.md, "Re-create a stage"): the tables, the log groups, the
federation keys with their aliases and the pseudonym key keep fixed names and are retained, so
that `make import` can adopt them into a re-created stack."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
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
from chalicelib.api.errors import NO_ROUTE, THROTTLED
from infra.local.stack import PROJECT
from infra.monitoring import Monitoring
from infra.stages import ANCHOR_JWKS, FEDERATION_DIRECTORY, PYTHON_RUNTIME, Stage, anchor

# How long a queue keeps a message: SQS's most. A message to a peer that the queue held longer is
# put back on it from the table by the forwarding job (FEDERATION_QUEUE_RETENTION_SECONDS).
QUEUE_RETENTION = cdk.Duration.days(14)

# Log groups (functions and API access logs) keep six months: the Cybersecurity Law (网络安全法,
# art. 21) asks for at least that, and personal-data minimisation for no more.
LOG_RETENTION = logs.RetentionDays.SIX_MONTHS

# Access log fields: no query string, headers or body, which may carry personal data.
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","method":"$context.httpMethod",'
    '"resource":"$context.resourcePath","status":"$context.status","latencyMs":"$context.responseLatency"}'
)


class ProofFreeCityStack(cdk.Stack):
    def __init__(self, scope: Construct, stage: Stage, **kwargs: Any) -> None:
        super().__init__(scope, stage.name, termination_protection=True, **kwargs)
        self.stage = stage
        self.table = self._table(main_table_definition(f"proof-free-{stage.name}"), stream=True)
        # The table the app runs on: the stack's own, or one restored from a backup.
        self.data_table: dynamodb.ITable = self._restored() or self.table
        self.idempotency_table = self._table(
            idempotency_table_definition(f"proof-free-{stage.name}-idempotency")
        )
        self.alerts = self._alert_topic()
        self.dead_letters = self._queue("OutboxDeadLetters")
        # The stage's identity among its peers: its key signs trail events, messages and receipts.
        self.federation_keys = {
            generation: self._federation_key(generation) for generation in stage.federation_keys
        }
        self.federation_key = self.federation_keys[stage.signing_key]
        self.anchor = anchor()
        # The anchor's directory key signs the federation's directory; no other stage has one.
        self.directory_key = self._directory_key() if stage.name == self.anchor["stage"] else None
        self.federation_dead_letters = self._queue("FederationDeadLetters")
        # Messages to peers are handed to this queue, which paces the attempts: each failed one
        # holds the message back for longer (adapters/peers.backoff, at most 15 minutes), so
        # 1,000 attempts cover days of a peer's outage before the dead-letter queue and its
        # alarm. The table keeps every message until the peer's receipt (docs/federation.md).
        self.federation_queue = self._queue(
            "FederationQueue",
            visibility_timeout=cdk.Duration.seconds(60),  # above the function's 30 s timeout
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.federation_dead_letters, max_receive_count=1000),
        )
        self.secrets = {
            "CURSOR_SECRET": self._secret("CursorKey", "Signs list cursors"),
            "PSEUDONYM_SECRET": self._secret(
                "PseudonymKey", "Keys the HMAC of ID numbers; never rotate", kept_as="pseudonym-key"
            ),
        }
        self.role = self._role()
        self.app = Chalice(self, "Api", source_dir=str(PROJECT), stage_config=self._stage_config())
        self.functions = self._shape_functions()
        stream = self._wire_outbox_stream()
        delivery = self._wire_delivery_queue()
        self._shape_api()
        # CloudFormation does not see that the functions and the stream mapping need the
        # role's policy (they name only the role): without this a first deploy can create them
        # before the policy and roll back.
        policy = self.role.node.find_child("DefaultPolicy").node.default_child
        for resource in [*self.functions.values(), stream, delivery]:
            resource.add_resource_dependency(policy)  # type: ignore[arg-type]
        self.monitoring = Monitoring(self, "Monitoring", stage, self)
        cdk.CfnOutput(
            self, "AlertTopicArn", value=self.alerts.topic_arn, description="Agencies subscribe here"
        )
        # make redrive moves what the dead-letter queue holds back to the delivery queue.
        cdk.CfnOutput(self, "FederationQueueUrl", value=self.federation_queue.queue_url)
        cdk.CfnOutput(self, "FederationDeadLetterQueueUrl", value=self.federation_dead_letters.queue_url)

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
            # The keys DynamoDB throttled, for the TableThrottles alarm's reader (billed only
            # when something is throttled).
            contributor_insights_specification=dynamodb.ContributorInsightsSpecification(
                enabled=True, mode=dynamodb.ContributorInsightsMode.THROTTLED_KEYS
            )
            if stream
            else None,
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

    def _restored(self) -> dynamodb.ITable | None:
        """The restored table the stage's settings name, if any: the app, its role, its stream
        trigger and its alarms use it; the stack's own table stays in the stack, retained."""
        restored = self.stage.restored_table
        if restored is None:
            return None
        return dynamodb.Table.from_table_attributes(
            self,
            "RestoredTable",
            table_name=restored.name,
            table_stream_arn=restored.stream_arn,
            grant_index_permissions=True,
        )

    def _alert_topic(self) -> sns.Topic:
        """The agencies' alert topic. The agency accounts the stage's settings list may subscribe
        their SQS queues or HTTPS endpoints (and do nothing else); the filter policy on their own
        unit is theirs to set (docs/runbook.md, "Subscribe an agency")."""
        topic = sns.Topic(
            self,
            "AgencyAlerts",
            topic_name=alert_topic_name(self.stage.name),
            master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
            enforce_ssl=True,
        )
        if self.stage.agency_accounts:
            topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AgenciesSubscribe",
                    principals=[iam.AccountPrincipal(account) for account in self.stage.agency_accounts],
                    actions=["sns:Subscribe"],
                    resources=[topic.topic_arn],
                    # No SMS or mobile push in the China regions, and no e-mail of personal alerts.
                    conditions={"StringEquals": {"sns:Protocol": ["sqs", "https"]}},
                )
            )
        return topic

    def _federation_key(self, generation: str) -> kms.Key:
        """One generation of the stage's signing key: kept forever (old trails are checked with
        its public key), under an alias of its own; the first under the stage's plain alias."""
        first = generation == self.stage.federation_keys[0]
        suffix = "" if first else f"-{generation}"
        return self._signing_key(
            "FederationKey" if first else f"FederationKey{generation}",
            f"federation{suffix}",
            f"Signs what stage {self.stage.name} records and sends to its peers ({generation})",
        )

    def _directory_key(self) -> kms.Key:
        """The anchor's directory key: kept forever (stages verify old versions with it)."""
        description = f"Signs the federation's directory, as its anchor ({self.stage.name})"
        return self._signing_key("DirectoryKey", "directory", description)

    def _signing_key(self, construct_id: str, alias: str, description: str) -> kms.Key:
        """An EC P-256 signing key, retained, under `alias/proof-free-<stage>-<alias>`."""
        key = kms.Key(
            self,
            construct_id,
            key_spec=kms.KeySpec.ECC_NIST_P256,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            alias=f"alias/proof-free-{self.stage.name}-{alias}",
            description=description,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # The alias stays with its key: a re-created stack finds and adopts the key through it.
        key.node.find_child("Alias").apply_removal_policy(cdk.RemovalPolicy.RETAIN)  # type: ignore[attr-defined]
        return key

    def _queue(self, name: str, **options: Any) -> sqs.Queue:
        """A queue as every queue of the stage is: encrypted, TLS only, kept as long as SQS keeps."""
        return sqs.Queue(
            self,
            name,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=QUEUE_RETENTION,
            **options,
        )

    def _secret(self, name: str, purpose: str, kept_as: str = "") -> secretsmanager.Secret:
        """A generated key. One `kept_as` a fixed name is retained when the stack goes, so that a
        re-created stack adopts it (the pseudonym key: changing it would orphan every index
        entry keyed by it); the others go with the stack (a new cursor key voids open cursors)."""
        return secretsmanager.Secret(
            self,
            name,
            secret_name=f"proof-free-{self.stage.name}/{kept_as}" if kept_as else None,
            description=f"proof-free-{self.stage.name}: {purpose}",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=48
            ),
            removal_policy=cdk.RemovalPolicy.RETAIN if kept_as else cdk.RemovalPolicy.DESTROY,
        )

    # The Lambda functions' role: exactly these tables, this topic, this queue, these secrets,
    # these logs

    def function_name(self, logical_id: str) -> str:
        return f"proof-free-{self.stage.name}-{logical_id}"

    def _role(self) -> iam.Role:
        role = iam.Role(self, "AppRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        self.data_table.grant_read_write_data(role)
        self.data_table.grant_stream_read(role)
        self.idempotency_table.grant_read_write_data(role)
        self.alerts.grant_publish(role)
        self.dead_letters.grant_send_messages(role)
        self.federation_queue.grant_send_messages(role)
        self.federation_queue.grant_consume_messages(role)  # with ChangeMessageVisibility: back-off
        # Sign with the signing key, read the public keys of all; nothing else (no Decrypt, no
        # key administration).
        role.add_to_policy(iam.PolicyStatement(actions=["kms:Sign"], resources=[self.federation_key.key_arn]))
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["kms:GetPublicKey"], resources=[key.key_arn for key in self.federation_keys.values()]
            )
        )
        if self.directory_key is not None:  # the anchor signs the directory too
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["kms:Sign", "kms:GetPublicKey"], resources=[self.directory_key.key_arn]
                )
            )
        # Only GetSecretValue (grant_read would add DescribeSecret), on these two secrets only.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"],
                resources=[secret.secret_arn for secret in self.secrets.values()],
            )
        )
        # The log groups exist before the functions (_shape_functions): no CreateLogGroup.
        log_groups = self.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"/aws/lambda/{self.function_name('*')}",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_groups, f"{log_groups}:*"],
            )
        )
        return role

    def _stage_config(self) -> dict[str, Any]:
        # A planned stage has no identity provider: its API refuses every token, and it cannot
        # be deployed anyway (infra/stages.py).
        identity = self.stage.identity
        published = [key.key_arn for key in self.federation_keys.values() if key is not self.federation_key]
        environment = {
            "STAGE": self.stage.name,
            "COUNTY": self.stage.name,
            "TABLE_NAME": self.data_table.table_name,
            "IDEMPOTENCY_TABLE_NAME": self.idempotency_table.table_name,
            "ALERT_TOPIC_ARN": self.alerts.topic_arn,
            "AUTH_ISSUER": identity.issuer if identity else "",
            "AUTH_JWKS_URL": identity.jwks_url if identity else "",
            "AUTH_AUDIENCE": identity.audience if identity else "",
            "WORKBENCH_CLIENT_ID": identity.workbench_client_id if identity else "",
            "AUTH_AUTHORIZATION_ENDPOINT": identity.authorization_endpoint if identity else "",
            "AUTH_TOKEN_ENDPOINT": identity.token_endpoint if identity else "",
            # Only where the keys are: the functions read them at run time (adapters/secrets.py).
            **{f"{name}_ARN": secret.secret_arn for name, secret in self.secrets.items()},
            "FEDERATION_KEY_ARN": self.federation_key.key_arn,
            # The stage's other key generations, published beside the signing one.
            "FEDERATION_PUBLISHED_KEY_ARNS": cdk.Fn.join(",", published) if published else "",
            "FEDERATION_QUEUE_URL": self.federation_queue.queue_url,
            "FEDERATION_QUEUE_RETENTION_SECONDS": str(int(QUEUE_RETENTION.to_seconds())),
            # Generated at synth from infra/stages.py and the pinned keys (infra/app.py).
            "FEDERATION_DIRECTORY_FILE": FEDERATION_DIRECTORY,
            # The anchor every stage pins; the anchor also holds the key that signs the directory.
            "FEDERATION_ANCHOR": self.anchor["stage"],
            "FEDERATION_ANCHOR_URL": self.anchor["api_url"],
            "FEDERATION_ANCHOR_JWKS_FILE": ANCHOR_JWKS,
            "FEDERATION_DIRECTORY_KEY_ARN": self.directory_key.key_arn if self.directory_key else "",
        }
        return {
            "api_gateway_stage": "api",
            "api_gateway_endpoint_type": "REGIONAL",  # the China regions offer no edge-optimized API
            "manage_iam_role": False,
            "iam_role_arn": self.role.role_arn,
            "xray": False,  # not offered by Lambda in the China regions
            "lambda_memory_size": 512,
            "lambda_timeout": 30,
            "environment_variables": environment,
        }

    # The functions: a pinned runtime, fixed names, and log groups with a retention

    def _shape_functions(self) -> dict[str, cdk.CfnResource]:
        """Every function Chalice generated, named after the stage, on PYTHON_RUNTIME, with its
        log group created first (Lambda would otherwise create it, kept forever)."""
        functions = {
            child.node.id: child
            for child in self.app.sam_template.node.children
            if isinstance(child, cdk.CfnResource) and child.cfn_resource_type == "AWS::Serverless::Function"
        }
        for logical_id, function in functions.items():
            name = self.function_name(logical_id)
            log_group = logs.LogGroup(
                self,
                f"{logical_id}Logs",
                log_group_name=f"/aws/lambda/{name}",
                retention=LOG_RETENTION,
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            function.add_property_override("FunctionName", name)
            function.add_property_override("Runtime", PYTHON_RUNTIME)
            function.add_resource_dependency(log_group.node.default_child)  # type: ignore[arg-type]
        return functions

    # The outbox: new outbox items reach the dispatcher through the table's stream

    def _wire_outbox_stream(self) -> lambda_.CfnEventSourceMapping:
        # L1: the function is imported from Chalice's template, and the L2 mapping wants to
        # edit its role; the role (ours) already may read the stream and send to the queue.
        # New alerts (OUTBOX) and new messages to peer stages (FEDOUT, handed to the queue).
        pattern = {"eventName": ["INSERT"], "dynamodb": {"Keys": {"pk": {"S": ["OUTBOX", "FEDOUT"]}}}}
        return lambda_.CfnEventSourceMapping(
            self,
            "OutboxStream",
            function_name=self.app.get_function("DispatchOutbox").function_arn,
            event_source_arn=self.data_table.table_stream_arn,
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

    # Messages to peer stages: the queue triggers their delivery

    def _wire_delivery_queue(self) -> lambda_.CfnEventSourceMapping:
        return lambda_.CfnEventSourceMapping(
            self,
            "FederationDelivery",
            function_name=self.app.get_function("DeliverMessages").function_arn,
            event_source_arn=self.federation_queue.queue_arn,
            batch_size=10,
            function_response_types=["ReportBatchItemFailures"],
        )

    # API Gateway: throttling, access logs, and the contract's error body for what API Gateway
    # itself answers

    def _shape_api(self) -> None:
        api = self.app.get_resource("RestAPI")
        access_logs = logs.LogGroup(
            self,
            "ApiAccessLogs",
            log_group_name=f"/aws/apigateway/proof-free-{self.stage.name}-access",
            retention=LOG_RETENTION,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
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
        # In the API's own definition, so they are deployed with it (a separate GatewayResponse
        # resource reaches the stage only at its next deployment).
        api.add_property_override(
            "DefinitionBody.x-amazon-apigateway-gateway-responses",
            {
                "MISSING_AUTHENTICATION_TOKEN": _gateway_response(404, NO_ROUTE),
                "THROTTLED": _gateway_response(429, THROTTLED),
            },
        )


def _gateway_response(status: int, error: tuple[str, str, str]) -> dict[str, Any]:
    """An x-amazon-apigateway-gateway-responses entry (its statusCode is a string)."""
    code, message, message_zh = error
    body = json.dumps({"code": code, "message": message, "message_zh": message_zh}, ensure_ascii=False)
    return {"statusCode": str(status), "responseTemplates": {"application/json": body}}
