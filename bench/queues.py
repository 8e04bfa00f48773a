"""What the latency benchmarks share: clients of moto server, a queue's arrivals timed as
they come, percentiles, and waiting for the stages' first exchange to be over."""

from __future__ import annotations

import json
import statistics
import threading
import time
from typing import Any

import boto3


def moto_clients(moto_port: int) -> tuple[Any, Any]:
    """SQS and SNS clients of the launcher's moto server."""
    aws = {
        "endpoint_url": f"http://127.0.0.1:{moto_port}",
        "region_name": "cn-northwest-1",
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
    }
    return boto3.client("sqs", **aws), boto3.client("sns", **aws)


def receive(sqs: Any, url: str, arrivals: dict[str, float], stop: threading.Event) -> None:
    """Note when each alert about a resource first arrives in the queue, until `stop`."""
    while not stop.is_set():
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        now = time.monotonic()
        for message in answer.get("Messages", []):
            arrivals.setdefault(json.loads(message["Body"])["resource"]["id"], now)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def spread(latencies: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=20, method="inclusive")  # [9] is p50, [18] is p95
    return {"arrived": len(latencies), "p50": cuts[9], "p95": cuts[18], "max": max(latencies)}


def wait_until_settled(moto_port: int, stages: tuple[str, ...] = ("local", "peer")) -> None:
    """The seeds' first exchange between the stages (a hundred messages or so each way) over,
    so that start-up is not timed: both delivery queues empty."""
    sqs, _ = moto_clients(moto_port)
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    urls = [sqs.get_queue_url(QueueName=f"proof-free-{stage}-federation")["QueueUrl"] for stage in stages]

    def empty() -> bool:
        counts = [sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"] for url in urls]
        return all(int(c[name]) == 0 for c in counts for name in names)

    time.sleep(2)  # the seeds' messages reach the queues within a round or two
    wait(empty, 120)


def wait(condition: Any, seconds: float, every: float = 0.05) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"not within {seconds} s")
        time.sleep(every)
