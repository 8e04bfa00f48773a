"""cdk-nag (AwsSolutions) findings acknowledged on purpose, each with its reason.

Findings are acknowledged one by one (rule and resource), never a whole rule, so that any new
wildcard or weakness still fails `make synth`. cdk-nag does not look into the SAM resources
Chalice generates: tests/infra checks those.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Stack, Token, Validations
from constructs import IConstruct


def acknowledge(stack: Stack) -> None:
    # Imported lazily: typing the stack here would import it back.
    account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
    arn = f"arn:<AWS::Partition>:{{}}:{stack.region}:{account}:{{}}"
    restored = stack.stage.restored_table  # type: ignore[attr-defined]
    if restored is None:  # the stack's own table, as cdk-nag names its ARN
        table = f"<{stack.resolve(stack.table.table_arn)['Fn::GetAtt'][0]}.Arn>"  # type: ignore[attr-defined]
    else:
        table = arn.format("dynamodb", f"table/{restored.name}")
    functions = stack.function_name("*")  # type: ignore[attr-defined]
    logs = arn.format("logs", f"log-group:/aws/lambda/{functions}")
    findings = {
        stack.dead_letters: {  # type: ignore[attr-defined]
            "AwsSolutions-SQS3": "This queue is itself the dead-letter queue of the outbox stream.",
        },
        stack.role: {  # type: ignore[attr-defined]
            f"AwsSolutions-IAM5[Resource::{table}/index/*]": (
                "The indexes of the stage's table, which the queries use; no other table."
            ),
            "AwsSolutions-IAM5[Resource::*]": (
                "dynamodb:ListStreams, which the stream trigger needs, has no resource-level permissions."
            ),
            f"AwsSolutions-IAM5[Resource::{logs}]": "The log groups of this stack's own functions only.",
            f"AwsSolutions-IAM5[Resource::{logs}:*]": "The log streams of this stack's own functions only.",
        },
    }
    for secret in stack.secrets.values():  # type: ignore[attr-defined]
        findings[secret] = {
            "AwsSolutions-SMG4": (
                "Signing keys, not credentials: rotating the pseudonym key would orphan every index "
                "entry keyed by it, and rotating the cursor key only voids open cursors (done by hand)."
            )
        }
    _acknowledge(findings)


def acknowledge_account(stack: Stack) -> None:
    policy = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    _acknowledge(
        {
            stack.role: {  # type: ignore[attr-defined]
                f"AwsSolutions-IAM4[{policy}]": (
                    "The policy AWS maintains for exactly this role (API Gateway writing access logs)."
                )
            }
        }
    )


def _acknowledge(findings: dict[IConstruct, dict[str, str]]) -> None:
    for construct, reasons in findings.items():
        for rule, reason in reasons.items():
            Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))
