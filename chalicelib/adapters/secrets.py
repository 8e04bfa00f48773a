"""Signing keys read from Secrets Manager at run time, once per container.

Deployed stages pass only the secrets' ARNs in the environment, so nobody who can read a
function's configuration can read the keys; the value is fetched on first use and kept for
the life of the container (the keys are not rotated while it runs: see the runbook).
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=8)
def secret_string(arn: str, region: str) -> str:
    # boto3 is imported here, not at the top: the DynamoDB paths use botocore alone (through
    # PynamoDB), so a request that reads no secret never loads boto3 (about 12 ms cold).
    import boto3

    client = boto3.client("secretsmanager", region_name=region)
    return str(client.get_secret_value(SecretId=arn)["SecretString"])
