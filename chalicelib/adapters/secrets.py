"""Signing keys read from Secrets Manager at run time, once per container.

Deployed stages pass only the secrets' ARNs in the environment, so nobody who can read a
function's configuration can read the keys; the value is fetched on first use and kept for
the life of the container (the keys are not rotated while it runs: see the runbook).
"""

from __future__ import annotations

from functools import lru_cache

from chalicelib.adapters import aws_clients


@lru_cache(maxsize=8)
def secret_string(arn: str, region: str) -> str:
    client = aws_clients.client("secretsmanager", region)
    return str(client.get_secret_value(SecretId=arn)["SecretString"])
