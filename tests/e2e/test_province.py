"""A city and its counties through the anchor's directory, as `make run` serves stages: the city
`local` is the anchor; the counties `peer` and `peer2` each run as their own process. A county
joins, changes its key and leaves with one PUT on the anchor each, and no stage restarts for it
(only the county whose key changes restarts, to sign with the new one)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import requests
from ulid import ULID

from chalicelib.adapters import jws
from chalicelib.adapters.signing import FileSigner
from chalicelib.domain.clock import format_time
from infra.local.launch import stages
from tests.e2e.test_federation import eventually, get, post
from tests.support import make_token, relay_body

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("province")]

OPERATOR = {"Authorization": f"Bearer {make_token('federation_admin')}"}
# peer2's police (p2-gaj) asks peer's (dq-gaj), county to county
ASKER = {"Authorization": f"Bearer {make_token('agency', unit_id='p2-gaj', sub_suffix='p2')}"}
ADMIN = {"Authorization": f"Bearer {make_token('catalogue_admin')}"}


def publish(base, version, entries, **extra):
    answer = requests.put(
        f"{base}/federation/directory",
        json={"version": version, "stages": entries, **extra},
        headers=OPERATOR,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def entry(three, name, *keys):
    return {"stage": name, "label": name, "api_url": three.base[name], "jwks": {"keys": list(keys)}}


def held_everywhere(three, names, version):
    """Every named stage serves `version` within 10 s of its PUT (API.md, under make run)."""
    for name in names:
        eventually(
            lambda name=name: (
                get(f"{three.base[name]}/federation/directory").json().get("version") == version
            ),
            within=10,
            what=f"directory version {version} on {name}",
        )


def signed_by(signer, to_base, to_stage):
    """A message from peer2 signed with `signer`, as its stage would send it: the answer's status."""
    unit = {"unit_id": f"p2-{time.monotonic_ns()}", "name": "测试单位", "name_en": None,
            "level": "county", "county": "peer2", "parent_unit": None, "stage": "peer2"}  # fmt: skip
    message = {
        "message_id": str(ULID()), "from_stage": "peer2", "to_stage": to_stage, "type": "unit.registered",
        "sent_at": format_time(datetime.now(UTC)), "body": unit, "protocol": 1,
    }  # fmt: skip
    token = jws.sign_compact(message, signer.kid, signer.sign)
    answer = requests.post(
        f"{to_base}/federation/messages", data=token, timeout=10, headers={"Content-Type": "application/jose"}
    )
    return answer.status_code


def ask(three, unit, proof_id, case_ref):
    body = relay_body(target_unit=unit, proof_id=proof_id, case_ref=case_ref)
    answer = post(f"{three.base['peer2']}/verification-requests", body, ASKER)
    return answer.json() if answer.status_code == 201 else None


def test_a_county_joins_changes_its_key_and_leaves_through_the_anchor(tmp_path):
    with stages(tmp_path, ("local", "peer", "peer2"), listed=("local", "peer")) as three:
        local, peer, peer2 = (three.base[n] for n in ("local", "peer", "peer2"))
        keys = tmp_path / "federation"
        old_key = FileSigner(keys / "peer2.pem")

        # Given the anchor's first version lists the city and one county only: the other
        # county's messages are refused, and what it sends waits
        first = get(f"{local}/federation/directory").json()
        assert first["version"] == 1 and [s["stage"] for s in first["stages"]] == ["local", "peer"]
        held_everywhere(three, ("peer", "peer2"), 1)
        assert signed_by(old_key, peer, "peer") == 401
        assert get(f"{peer}/units/p2-gaj").status_code == 404  # peer2's own unit, not taken

        # When its operators add the county with one PUT on the anchor (no stage restarts)
        listed = [entry(three, s["stage"], *s["jwks"]["keys"]) for s in first["stages"]]
        publish(local, 2, [*listed, entry(three, "peer2", old_key.public_jwk)])
        held_everywhere(three, ("peer", "peer2"), 2)

        # Then each stage introduces itself to the newcomer (its units and catalogue, published
        # before the join), what peer2 sent while unlisted arrives, and a request from county to
        # county goes through: created on peer2, answered on peer, completed on both, one trail
        eventually(lambda: get(f"{peer}/units/p2-gaj").json().get("stage") == "peer2", within=90,
                   what="what peer2 sent while unlisted")  # fmt: skip
        unit, proof_id = "dq-gaj", "PF-DQ-V01"
        created = eventually(lambda: ask(three, unit, proof_id, "德清协查〔2026〕001"), within=90,
                             what="peer's units and catalogue reaching peer2")  # fmt: skip
        assert created["target_stage"] == "peer"
        request = created["request_id"]
        holder = {"Authorization": f"Bearer {make_token('agency', unit_id=unit, sub_suffix='dqgaj')}"}
        on_peer = f"{peer}/verification-requests/{request}"
        eventually(lambda: post(f"{on_peer}/accept", {}, holder).status_code == 200, within=90,
                   what="the request on peer")  # fmt: skip
        answer = {"outcome": "confirmed", "attestation": {"record": "户籍 2001-17"}}
        assert post(f"{on_peer}/respond", answer, holder).status_code == 200
        on_peer2 = f"{peer2}/verification-requests/{request}"
        eventually(lambda: get(on_peer2, ASKER).json()["status"] == "completed", what="completion on peer2")
        eventually(lambda: get(on_peer2, ASKER).json().get("delivered_at") is not None, what="peer's receipt")

        def trail(base, who):
            return get(f"{base}/verification-requests/{request}/trail", who).json()

        eventually(lambda: trail(peer2, ASKER)["events"] == trail(peer, holder)["events"], what="one trail")
        assert trail(peer, holder)["chain_valid"] and trail(peer2, ASKER)["chain_valid"]

        # When peer2 changes its key: one version lists both, and peer2 restarts to sign with the new
        new_key = FileSigner(keys / "peer2-2.pem")
        publish(local, 3, [*listed, entry(three, "peer2", old_key.public_jwk, new_key.public_jwk)])
        held_everywhere(three, ("peer", "peer2"), 3)
        three.stop("peer2")
        three.envs["peer2"]["FEDERATION_KEY_FILE"] = str(keys / "peer2-2.pem")
        three.start("peer2")

        # Then during the overlap both keys are taken, and what peer2 signs now goes through
        assert signed_by(old_key, peer, "peer") == 200
        assert signed_by(new_key, peer, "peer") == 200
        second = eventually(
            lambda: ask(three, unit, proof_id, "德清协查〔2026〕002"), what="a request after the restart"
        )
        second_on_peer = f"{peer}/verification-requests/{second['request_id']}"
        eventually(lambda: get(second_on_peer, holder).status_code == 200, what="the second request on peer")

        # When the old key is marked retired
        retired = {**old_key.public_jwk, "status": "retired"}
        publish(local, 4, [*listed, entry(three, "peer2", retired, new_key.public_jwk)])
        held_everywhere(three, ("peer",), 4)

        # Then it signs nothing new, and what it signed before still verifies
        eventually(lambda: signed_by(old_key, peer, "peer") == 401, within=10, what="the old key refused")
        assert signed_by(new_key, peer, "peer") == 200
        assert trail(peer, holder)["chain_valid"]

        # When the county leaves the federation
        publish(local, 5, listed)
        held_everywhere(three, ("peer",), 5)

        # Then its messages are refused, and what is sent to it waits, never lost
        eventually(
            lambda: signed_by(new_key, peer, "peer") == 401, within=10, what="the removed county refused"
        )
        reverse = relay_body(target_unit="p2-gaj", proof_id="PF-P2-V01", case_ref="德清协查〔2026〕003")
        waiting = post(f"{peer}/verification-requests", reverse, holder)
        assert waiting.status_code == 201, waiting.text
        waiting_url = f"{peer}/verification-requests/{waiting.json()['request_id']}"
        time.sleep(5)
        assert get(waiting_url, holder).json()["delivered_at"] is None

        # and once it is listed again, it arrives
        publish(local, 6, [*listed, entry(three, "peer2", retired, new_key.public_jwk)])
        eventually(lambda: get(waiting_url, holder).json()["delivered_at"] is not None, within=90,
                   what="the waiting request delivered")  # fmt: skip
