"""A peer stage played by the test: its own key, a directory that pins it beside this stage,
and signed messages from it (or from strangers, or badly addressed) to POST /federation/messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ulid import ULID

from chalicelib import wiring
from chalicelib.adapters import jws
from chalicelib.adapters.signing import FileSigner
from chalicelib.domain.clock import format_time
from chalicelib.domain.trail import next_event
from chalicelib.settings import get_settings
from tests.support.stack import SUBJECT_ID, set_stage_env

PEER = "peer"


class Peer:
    def __init__(self, api, signer: FileSigner, stranger: FileSigner) -> None:
        self.api = api
        self.signer = signer
        self.stranger = stranger  # a key no directory lists

    def message(self, type_: str, body: dict[str, Any], **envelope: Any) -> dict[str, Any]:
        return {
            "message_id": str(ULID()),
            "from_stage": PEER,
            "to_stage": get_settings().stage,
            "type": type_,
            "sent_at": format_time(datetime.now(UTC)),
            "body": body,
            **envelope,
        }

    def seal(self, message: dict[str, Any], signer: FileSigner | None = None) -> str:
        key = signer or self.signer
        return jws.sign_compact(message, key.kid, key.sign)

    def send(self, message: dict[str, Any] | str, signer: FileSigner | None = None):
        token = message if isinstance(message, str) else self.seal(message, signer)
        return self.api.post("/federation/messages", raw=token, headers={"Content-Type": "application/jose"})

    def unit(self, unit_id: str = "dq-gaj", **fields: Any) -> dict[str, Any]:
        return {
            "unit_id": unit_id,
            "name": "德清县公安局",
            "name_en": None,
            "level": "county",
            "county": "deqing",
            "parent_unit": None,
            "stage": PEER,
            **fields,
        }

    def request_created(self, target_unit: str = "hz-gaj", **request: Any) -> dict[str, Any]:
        """The body of a request.created the peer sends for its unit dq-gaj: the request as its
        requester's stage sees it, and its `created` event, signed with the peer's key."""
        now = datetime.now(UTC)
        at, due = format_time(now), format_time(now + timedelta(days=5))
        event = next_event(0, None, "created", at, "dq-gaj", None, PEER)
        event = event.signed(self.signer.kid, self.signer.sign(event.signed_bytes))
        unset = ("accepted_at", "completed_at", "rejected_at", "cancelled_at", "outcome", "attestation")
        view = dict.fromkeys((*unset, "note", "reject_reason", "delivered_at", "commitment_id")) | {
            "request_id": str(ULID()),
            "status": "pending",
            "requester_unit": "dq-gaj",
            "target_unit": target_unit,
            "proof_id": "PF-R001",
            "subject": {"name": "王小明", "id_type": "resident_id", "id_number": SUBJECT_ID},
            "case_ref": "德公〔2026〕协 001",
            "purpose": "核实户籍",
            "created_at": at,
            "due_at": due,
            "updated_at": at,
            "requester_stage": PEER,
            "target_stage": get_settings().stage,
        }
        return {"request": view | request, "event": event.to_view()}


def minutes_ago(minutes: float) -> str:
    return format_time(datetime.now(UTC) - timedelta(minutes=minutes))


@pytest.fixture
def peer(api, stack_env, tmp_path, monkeypatch) -> Peer:
    """Given a peer stage `peer` that this stage's directory pins, with its key."""
    settings = get_settings()
    own = FileSigner(Path(settings.federation_key_file))
    theirs, stranger = FileSigner(tmp_path / "peer.pem"), FileSigner(tmp_path / "stranger.pem")
    directory = {
        "stages": [
            {"stage": settings.stage, "label": "本地", "api_url": "", "jwks": {"keys": [own.public_jwk]}},
            {"stage": PEER, "label": "德清", "api_url": "", "jwks": {"keys": [theirs.public_jwk]}},
        ]
    }
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(directory), encoding="utf-8")
    set_stage_env(monkeypatch, "FEDERATION_DIRECTORY_FILE", str(path))
    assert wiring.notary().directory.member(PEER) is not None
    return Peer(api, theirs, stranger)
