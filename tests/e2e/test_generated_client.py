"""A partner team's client: generated from schemas/openapi.json by openapi-python-client with
its defaults, installed into a virtualenv of its own, and run through one flow against the
served API (a proof looked up, a request asked, accepted, answered, its trail read), every
2xx body parsed into the generated models."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.domain.relay import NOT_A_CHANGE
from scripts import openapi
from tests.support import make_token, relay_body

# The tests on the shared launcher (conftest.served) run on one worker: one launcher, not two.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("served")]

FLOW = """
import json, sys
from proof_free_city_api_client import AuthenticatedClient, Client
from proof_free_city_api_client.api.catalogue import get_proof
from proof_free_city_api_client.api.verification_relay import (
    accept_request, create_request, request_trail, respond_to_request,
)
from proof_free_city_api_client.models import (
    Proof, Trail, VerificationCreate, VerificationRequest, VerificationRespond,
)

base, requester, target, body = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
as_requester = AuthenticatedClient(base_url=base, token=requester)
as_target = AuthenticatedClient(base_url=base, token=target)

proof = get_proof.sync(body["proof_id"], client=Client(base_url=base))
assert isinstance(proof, Proof), proof
made = create_request.sync(client=as_requester, body=VerificationCreate.from_dict(body))
assert isinstance(made, VerificationRequest), made
accepted = accept_request.sync(made.request_id, client=as_target)
answer = VerificationRespond.from_dict({"outcome": "confirmed", "attestation": {"relation": "parent"}})
done = respond_to_request.sync(made.request_id, client=as_target, body=answer)
trail = request_trail.sync(made.request_id, client=as_requester)
assert isinstance(trail, Trail), trail
print(json.dumps({
    "proof": proof.proof_id,
    "statuses": [made.status, accepted.status, done.status],
    "events": [event.type_ for event in trail.events],
    "chain_valid": trail.chain_valid,
}))
"""


@pytest.fixture(scope="module")
def client_venv(tmp_path_factory):
    """The generated client, installed as a partner would install it."""
    work = tmp_path_factory.mktemp("generated-client")
    generator = Path(sys.executable).parent / "openapi-python-client"
    generated = subprocess.run(
        [str(generator), "generate", "--path", str(openapi.OUTPUT)],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert generated.returncode == 0, generated.stdout[-2000:] + generated.stderr[-2000:]
    (package,) = [path for path in work.iterdir() if path.is_dir()]
    assert package.name == "proof-free-city-api-client"
    subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True, timeout=120)
    python = work / "venv" / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(package)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    return python


def test_a_generated_client_installs_and_runs_a_flow_against_the_served_api(served, client_venv):
    requester = make_token("agency", unit_id="hz-rsj", sub_suffix="generated-rsj")
    target = make_token("agency", unit_id="hz-gaj", sub_suffix="generated-gaj")
    body = relay_body()
    ran = subprocess.run(
        [
            str(client_venv),
            "-c",
            FLOW,
            served["base"],
            requester,
            target,
            json.dumps(body, ensure_ascii=False),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-3000:]
    result = json.loads(ran.stdout.strip().splitlines()[-1])
    assert result["proof"] == body["proof_id"]
    assert result["statuses"] == ["pending", "accepted", "completed"]
    # The changes in order; `alerted` and `viewed` record what was sent and seen, and the
    # dispatcher's loop may add an `alerted` after the answer at any moment.
    changes = [kind for kind in result["events"] if kind not in NOT_A_CHANGE]
    assert changes == ["created", "accepted", "completed"]
    assert result["chain_valid"] is True
