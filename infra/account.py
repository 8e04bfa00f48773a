"""Once per account and region, before a stage: the role API Gateway uses to write access logs
to CloudWatch. Without it a stage with access logging fails at its creation ("CloudWatch Logs
role ARN must be set in account settings"). API Gateway keeps one such setting per account and
region, so this is a stack of its own, `<stage>-apigateway-account` in the stage's account;
`make deploy STAGE=<stage>` deploys it first (the stage's stack depends on it).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.stages import Stage


class ApiGatewayAccountStack(cdk.Stack):
    def __init__(self, scope: Construct, stage: Stage, **kwargs: Any) -> None:
        super().__init__(scope, stage.account_stack, termination_protection=True, **kwargs)
        self.role = iam.Role(
            self,
            "ApiGatewayLogsRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                )
            ],
        )
        account = apigw.CfnAccount(self, "ApiGatewayAccount", cloud_watch_role_arn=self.role.role_arn)
        # Both stay when the stack goes: the account setting names the role, and every stage of
        # the account still logs through it.
        account.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        self.role.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
