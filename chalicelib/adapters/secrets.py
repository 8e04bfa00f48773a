"""Signing keys read from Secrets Manager at run time, once per container.

Deployed stages pass only the secrets' ARNs in the environment, so nobody who can read a
function's configuration can read the keys; the value is fetched on first use and kept for
the life of the container (the keys are not rotated while it runs: see the runbook).
"""

from __future__ import annotations

from functools import lru_cache

import boto3


@lru_cache(maxsize=8)
def secret_string(arn: str, region: str) -> str:
    client = boto3.client("secretsmanager", region_name=region)
    return str(client.get_secret_value(SecretId=arn)["SecretString"])
