"""The anchor's signed directory through the API, on DynamoDB Local: PUT on the anchor by the
federation's operators, GET on every stage, POST of a version the anchor pushes; and a stage
trusting exactly what the newest version lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib import wiring
from chalicelib.adapters import jws
from chalicelib.adapters.directory_keys import AnchorKey
from chalicelib.adapters.signing import FileSigner
from chalicelib.api import jobs
from chalicelib.domain import merkle
from chalicelib.domain.hashchain import record_hash
from chalicelib.domain.transparency import DIRECTORY_LEAVES, Leaf
from chalicelib.settings import get_settings
from scripts import verify_log
from tests.support.clock import Clock
from tests.support.stack import make_token, set_stage_env

STAGE_FIELDS = ("anchor", "version", "issued_at", "stages", "anchor_jwks")


@pytest.fixture
def anchor(api, stack_env, tmp_path, monkeypatch):
    """Given this stage is the federation's anchor, with a directory key every stage pins."""
    key_file = tmp_path / "anchor-directory.pem"
    key = FileSigner(key_file)
    pinned = tmp_path / "anchor.jwks.json"
    pinned.write_text(json.dumps({"keys": [key.public_jwk]}), encoding="utf-8")
    monkeypatch.setenv("FEDERATION_ANCHOR_JWKS_FILE", str(pinned))
    monkeypatch.setenv("FEDERATION_DIRECTORY_KEY_FILE", str(key_file))
    set_stage_env(monkeypatch, "FEDERATION_ANCHOR", get_settings().stage)
    return key


def stage_entry(stage: str, key: FileSigner, **fields):
    return {
        "stage": stage,
        "label": fields.get("label", stage),
        "api_url": "",
        "jwks": {"keys": [key.public_jwk]},
    }


@pytest.fixture
def listing(tmp_path):
    own = FileSigner(Path(get_settings().federation_key_file))
    peers = {name: FileSigner(tmp_path / f"{name}.pem") for name in ("deqing", "anji", "changxing")}

    def body(version: int, *names: str, **extra):
        return {
            "version": version,
            "stages": [stage_entry("local", own), *(stage_entry(n, peers[n]) for n in names)],
            **extra,
        }

    body.keys = peers
    return body


def operator():
    return make_token("federation_admin")


def test_the_anchor_publishes_a_signed_version_and_serves_it(api, anchor, listing):
    # When the operators PUT version 1
    answer = api.request("PUT", "/federation/directory", listing(1, "deqing", "anji"), token=operator())

    # Then it is signed by the anchor's directory key over exactly what is served beside it
    assert answer.status_code == 200, answer.data
    served = api.get("/federation/directory").data
    assert served == answer.data and served["version"] == 1 and served["anchor"] == "local"
    _, payload = jws.verify_compact(served["signed"], {anchor.kid: anchor.public_jwk}.get)
    assert payload == {field: served[field] for field in STAGE_FIELDS}
    assert [s["witnesses"] for s in served["stages"]] == [
        ["deqing", "anji"],
        ["local", "anji"],
        ["local", "deqing"],
    ]

    # and the stage trusts exactly the stages listed
    assert {m.stage for m in wiring.notary().directory.members} == {"local", "deqing", "anji"}


def test_only_the_federation_admin_publishes_and_only_on_the_anchor(api, anchor, listing, monkeypatch):
    for token in (make_token("catalogue_admin"), make_token("supervisor"), None):
        refused = api.request("PUT", "/federation/directory", listing(1, "deqing"), token=token)
        assert refused.status_code in (401, 403) and refused.data["code"] in ("unauthenticated", "forbidden")

    set_stage_env(monkeypatch, "FEDERATION_ANCHOR", "city")  # another stage is the anchor
    refused = api.request("PUT", "/federation/directory", listing(1, "deqing"), token=operator())
    assert refused.status_code == 403 and refused.data["code"] == "not_the_anchor"
    assert refused.data["message_zh"]


def test_versions_go_up_by_one_a_retry_gets_the_same_answer_and_a_skip_is_refused(api, anchor, listing):
    first = api.request("PUT", "/federation/directory", listing(1, "deqing"), token=operator())
    again = api.request("PUT", "/federation/directory", listing(1, "deqing"), token=operator())
    assert again.status_code == 200 and again.data["signed"] == first.data["signed"]

    skipped = api.request("PUT", "/federation/directory", listing(3, "deqing"), token=operator())
    assert skipped.status_code == 409 and skipped.data["code"] == "version_conflict"
    assert skipped.data["details"] == {"current_version": 1}
    changed = api.request("PUT", "/federation/directory", listing(1, "anji"), token=operator())
    assert changed.status_code == 409

    second = api.request("PUT", "/federation/directory", listing(2, "deqing", "anji"), token=operator())
    assert second.status_code == 200 and second.data["version"] == 2


@pytest.mark.parametrize(
    "spoil",
    [
        lambda body: body["stages"].append(dict(body["stages"][1])),  # a stage twice
        lambda body: body["stages"].pop(0),  # the anchor missing
        lambda body: body["stages"][1]["jwks"]["keys"].clear(),  # no key
        lambda body: body["stages"][2]["jwks"].update(keys=body["stages"][1]["jwks"]["keys"]),  # a kid twice
    ],
)
def test_a_malformed_directory_is_a_400_and_nothing_is_published(api, anchor, listing, spoil):
    body = listing(1, "deqing", "anji")
    spoil(body)
    refused = api.request("PUT", "/federation/directory", body, token=operator())
    assert refused.status_code == 400 and refused.data["code"] == "invalid_directory"
    assert "version" not in api.get("/federation/directory").data


def test_a_key_the_schema_refuses_is_a_validation_error(api, anchor, listing):
    body = listing(1, "deqing")
    body["stages"][1]["jwks"]["keys"][0]["d"] = "private part"  # never a private key
    refused = api.request("PUT", "/federation/directory", body, token=operator())
    assert refused.status_code == 400 and refused.data["code"] == "validation_error"


def test_a_stage_takes_a_pushed_version_only_if_the_anchor_signed_it_and_it_is_newer(
    api, anchor, listing, tmp_path
):
    # Given the anchor's versions 1 and 2
    one = api.request("PUT", "/federation/directory", listing(1, "deqing"), token=operator()).data
    two = api.request("PUT", "/federation/directory", listing(2, "deqing", "anji"), token=operator()).data
    stranger = AnchorKey(FileSigner(tmp_path / "stranger.pem"))

    # A push signed by a key it does not trust is refused, and so is an older version
    forged = stranger.seal({field: two[field] for field in STAGE_FIELDS} | {"version": 3})
    refused = api.post("/federation/directory", {"signed": forged})
    assert refused.status_code == 400 and refused.data["code"] == "invalid_directory"
    older = api.post("/federation/directory", {"signed": one["signed"]})
    assert older.status_code == 400 and older.data["code"] == "directory_outdated"
    assert api.post("/federation/directory", {"signed": "not.a.jws"}).status_code == 400
    assert api.get("/federation/directory").data["version"] == 2

    # A newer version the anchor's key signed is taken, and trusted from then on
    three = {field: two[field] for field in STAGE_FIELDS} | {"version": 3}
    three["stages"] = [
        *two["stages"],
        {**stage_entry("changxing", listing.keys["changxing"]), "witnesses": []},
    ]
    three["stages"][-1]["witnesses"] = ["local", "deqing", "anji"]
    taken = api.post("/federation/directory", {"signed": AnchorKey(anchor).seal(three)})
    assert taken.status_code == 200 and taken.data["version"] == 3
    assert wiring.notary().directory.member("changxing") is not None


def test_a_province_sized_directory_is_published_and_pushed_whole(api, anchor, listing, tmp_path):
    # Given 200 stages: the PUT and the anchor's JWS of it are larger than any other body (64 KiB)
    body = listing(1)
    for n in range(200):
        entry = stage_entry(
            f"county-{n:03d}", FileSigner(tmp_path / f"{n}.pem"), label=f"浙江省第 {n} 县 County {n}"
        )
        body["stages"].append({**entry, "api_url": f"https://county-{n:03d}.example.gov.cn"})
    assert len(json.dumps(body, ensure_ascii=False).encode()) > 64 * 1024

    published = api.request("PUT", "/federation/directory", body, token=operator())
    assert published.status_code == 200 and len(published.data["stages"]) == 201

    # Then a push of it is read whole (here: already held, so not newer), never refused for size
    pushed = api.post("/federation/directory", {"signed": published.data["signed"]})
    assert len(published.data["signed"]) > 64 * 1024
    assert pushed.status_code == 400 and pushed.data["code"] == "directory_outdated"


def test_the_anchor_signs_as_version_1_the_stages_deployed_with_their_keys(
    api, anchor, listing, tmp_path, monkeypatch
):
    # Given the anchor was deployed with the province's listing: one peer's key pinned, and a
    # planned stage with no key yet (and no URL)
    deqing = listing.keys["deqing"]
    deployed_with = tmp_path / "directory.json"
    deployed_with.write_text(
        json.dumps(
            {
                "stages": [
                    {"stage": "local", "label": "本地", "api_url": "", "jwks": {"keys": []}},
                    stage_entry("deqing", deqing),
                    {"stage": "longgang", "label": "龙港市 Longgang", "api_url": "", "jwks": {"keys": []}},
                ]
            }
        ),
        encoding="utf-8",
    )
    set_stage_env(monkeypatch, "FEDERATION_DIRECTORY_FILE", str(deployed_with))

    # When it starts with no directory
    assert jobs.open_directory() == "version 1 signed"

    # Then version 1 lists itself (with its own key) and the keyed peer; the planned stage waits
    served = api.get("/federation/directory").data
    assert served["version"] == 1
    assert [(s["stage"], bool(s["jwks"]["keys"])) for s in served["stages"]] == [
        ("local", True),
        ("deqing", True),
    ]
    assert jobs.open_directory() == "held"  # and a second start changes nothing


def test_each_version_is_a_leaf_of_the_anchors_log_that_anyone_proves_from_the_served_copy(
    api, anchor, listing
):
    # Given the anchor published two versions and then signed a checkpoint
    for version, names in ((1, ("deqing",)), (2, ("deqing", "anji"))):
        assert (
            api.request(
                "PUT", "/federation/directory", listing(version, *names), token=operator()
            ).status_code
            == 200
        )
    wiring.transparency().issue_checkpoint()

    # When anyone asks for the served version with its inclusion proof
    served = api.get("/federation/directory?inclusion=true").data

    # Then the leaf recomputes from the served copy alone and leads to the signed checkpoint's root
    (proved,) = served["inclusion"]
    leaf = Leaf(DIRECTORY_LEAVES, served["version"], record_hash({f: served[f] for f in STAGE_FIELDS}))
    path = [bytes.fromhex(h) for h in proved["audit_path"]]
    root = bytes.fromhex(served["checkpoint"]["root_hash"])
    assert proved["seq"] == 2 and proved["tree_size"] == served["checkpoint"]["tree_size"] == 2
    assert merkle.verify_inclusion(leaf.hash, proved["leaf_index"], proved["tree_size"], path, root)
    assert "inclusion" not in api.get("/federation/directory").data  # only when asked


def test_the_outsiders_verifier_checks_the_served_version_in_the_anchors_tree(
    api, anchor, listing, monkeypatch
):
    assert (
        api.request("PUT", "/federation/directory", listing(1, "deqing"), token=operator()).status_code == 200
    )
    wiring.transparency().issue_checkpoint()

    assert verify_log.check(lambda path: api.get(path).data)[1] == []

    # A served copy that is not what was logged (one label changed) does not verify
    def altered(path):
        served = api.get(path).data
        if path.startswith("/federation/directory"):
            served["stages"][1]["label"] = "德清县 (altered)"
        return served

    assert verify_log.check(altered)[1] == ["directory version 1 is not in the anchor's tree as it is served"]


class CountingPeers:
    """The anchor out of reach, each poll counted."""

    def __init__(self) -> None:
        self.polled: list[str] = []

    def get(self, url, _max_answer=0):
        self.polled.append(url)
        return 503, {}

    def post_json(self, _url, _body):
        raise AssertionError("a stage other than the anchor pushes nothing")


def test_a_stage_polls_the_anchor_every_5_minutes_of_the_clock_and_under_make_run_at_each_call(
    stack_env, monkeypatch
):
    # Given a stage whose anchor is another stage, out of reach
    set_stage_env(monkeypatch, "FEDERATION_ANCHOR", "huzhou")
    set_stage_env(monkeypatch, "FEDERATION_ANCHOR_URL", "https://huzhou.example.gov.cn")
    peers, clock = CountingPeers(), Clock()
    with wiring.overridden(clock=clock, peers=peers):
        # When the schedule runs it each minute from 08:00 to 08:10
        for minute in range(11):
            clock.at(minutes=minute)
            jobs.sync_directory()
        # Then it polled at 08:00, 08:05 and 08:10 only; the local loop polls at each call
        assert len(peers.polled) == 3
        jobs.sync_directory(every_call=True)
        assert peers.polled == ["https://huzhou.example.gov.cn/federation/directory"] * 4
