"""DynamoDB capacity of a cross-stage request, both stages together, beside the same request
between two units of one stage: created, accepted and completed, with every message, receipt
and alert that goes with it.

Both stages run in this process, on DynamoDB Local, each with its own tables, key and container;
each step runs with its stage's environment and container installed. Messages go
from one stage's delivery to the other's door through a chalice.test.Client instead of HTTP
and SQS (which cost no DynamoDB capacity); everything that touches DynamoDB is the real code.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3

from bench import world
from bench.dynamodb_calls import recording
from chalicelib import wiring
from chalicelib.adapters.signing import FileSigner
from chalicelib.adapters.sns_publisher import alert_topic_name
from chalicelib.adapters.tables import ensure_tables
from chalicelib.domain.federation import Message
from chalicelib.settings import get_settings

STAGES = ("local", "peer")


class TwoStages:
    def __init__(self, stack_env: dict[str, str], state: Path) -> None:
        from chalice.test import Client

        from app import app

        members = []
        self.env: dict[str, dict[str, str]] = {}
        for stage in STAGES:
            signer = FileSigner(state / f"{stage}.pem")
            members.append(
                {"stage": stage, "label": stage, "api_url": stage, "jwks": {"keys": [signer.public_jwk]}}
            )
            self.env[stage] = {
                **stack_env,
                "STAGE": stage,
                "COUNTY": stage,
                "TABLE_NAME": f"bench-federated-{stage}",
                "IDEMPOTENCY_TABLE_NAME": f"bench-federated-{stage}-idempotency",
                "FEDERATION_KEY_FILE": str(state / f"{stage}.pem"),
                "FEDERATION_DIRECTORY_FILE": str(state / "directory.json"),
            }
        (state / "directory.json").write_text(json.dumps({"stages": members}), encoding="utf-8")
        self.clients = {stage: Client(app, stage_name=stage) for stage in STAGES}
        self.waiting: list[Message] = []
        self.containers: dict[str, wiring.Container] = {}
        for stage in STAGES:
            with self.on(stage):
                ensure_tables(boto3.client("dynamodb"), get_settings())
                boto3.client("sns").create_topic(Name=alert_topic_name(stage))

    @contextlib.contextmanager
    def on(self, stage: str) -> Iterator[None]:
        """The stage's environment and its container (messages to peers go through this object)."""
        saved = dict(os.environ)
        os.environ.update(self.env[stage])
        if stage not in self.containers:
            self.containers[stage] = wiring.Container(get_settings(), wiring.Given(peers=self, queue=self))
        wiring.install(self.containers[stage])
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)
            wiring.reset()

    def call(self, stage: str, method: str, path: str, body: Any, token: str | None) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        with self.on(stage):
            answer = getattr(self.clients[stage].http, method.lower())(
                path, headers=headers, body=json.dumps(body)
            )
        if answer.status_code >= 300:
            raise RuntimeError(f"{stage} {method} {path}: {answer.status_code} {answer.body[:300]!r}")
        return json.loads(answer.body)

    # The federation's transport, in process

    def send(self, message: Message) -> None:  # the delivery queue
        self.waiting.append(message)

    def post(self, url: str, token: str) -> tuple[int, dict[str, Any]]:  # a peer's door
        stage = url.split("/", 1)[0]
        with self.on(stage):
            answer = self.clients[stage].http.post(
                "/federation/messages", headers={"Content-Type": "application/jose"}, body=token
            )
        return answer.status_code, json.loads(answer.body)

    def exchange(self) -> None:
        """Every committed message forwarded and delivered, until none is left on either side."""
        while True:
            for stage in STAGES:
                with self.on(stage):
                    wiring.federation().forward()
            if not self.waiting:
                return
            while self.waiting:
                message = self.waiting.pop(0)
                with self.on(message.from_stage):
                    wiring.federation().deliver(message)


def measure(stack_env: dict[str, str], state: Path) -> dict[str, dict[str, float]]:
    stages = TwoStages(stack_env, state)
    admin = world.token("catalogue_admin")
    units = {"local": ("hz-rsj", "hz-gaj"), "peer": ("dq-gaj",)}
    for stage, unit_ids in units.items():
        for unit_id in unit_ids:
            unit = {"unit_id": unit_id, "name": unit_id, "level": "city", "county": stage}
            stages.call(stage, "POST", "/units", unit, admin)
        proof = {
            "proof_id": f"PF-{stage}",
            "name": "居住证明",
            "issuing_unit": unit_ids[-1],
            "legal_basis": "《居住证暂行条例》",
            "disposition": "remote_verification",
            "rule": "inter_agency_check",
        }
        stages.call(stage, "POST", "/proofs", proof, admin)
    stages.exchange()
    one_stage = _lifecycle(stages, "local", "hz-gaj", "PF-local")
    cross_stage = _lifecycle(stages, "peer", "dq-gaj", "PF-peer")
    return {
        "one stage": one_stage,
        "cross-stage": cross_stage,
        "extra": {key: cross_stage[key] - one_stage[key] for key in one_stage},
    }


def _lifecycle(stages: TwoStages, target_stage: str, target_unit: str, proof_id: str) -> dict[str, float]:
    """Capacity of a request created on `local`, accepted and completed by `target_unit`, with
    the alerts dispatched and (across stages) every message delivered."""
    asker = world.token("agency", unit_id="hz-rsj")
    holder = world.token("agency", unit_id=target_unit)
    body = {**world.RELAY_BODY, "target_unit": target_unit, "proof_id": proof_id}
    with recording() as recorded:
        created = stages.call("local", "POST", "/verification-requests", body, asker)
        stages.exchange()
        path = f"/verification-requests/{created['request_id']}"
        stages.call(target_stage, "POST", f"{path}/accept", {}, holder)
        stages.call(
            target_stage, "POST", f"{path}/respond", {"outcome": "confirmed", "attestation": {}}, holder
        )
        stages.exchange()
        for stage in {"local", target_stage}:
            with stages.on(stage):
                wiring.dispatcher().dispatch()
        stages.exchange()
    return {"read units": recorded.read_units, "billed write units": recorded.billed_write_units}
