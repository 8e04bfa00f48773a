"""The federation's signed directory, on the in-memory store: the anchor publishes, stages take
only what the anchor's trusted keys signed and only newer versions, keys rotate, witnesses are
chosen and kept."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from chalicelib.adapters import jws
from chalicelib.adapters.directory_keys import AnchorKey, JwsDirectoryCheck
from chalicelib.adapters.memory.directory import MemoryDirectoryStore
from chalicelib.adapters.memory.store import MemoryStore
from chalicelib.domain.directory import RETIRED, listing_of, with_witnesses
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput
from chalicelib.domain.federation import Directory
from chalicelib.services.directory import PUSHED_AT_ONCE, DirectoryService, Federation
from chalicelib.services.ports import DeliveryFailed, StaleWrite


class Key:
    """An EC P-256 key as a signer (the file and KMS signers' interface)."""

    def __init__(self) -> None:
        self._private = ec.generate_private_key(ec.SECP256R1())
        self.public_jwk = jws.public_jwk(self._private.public_key())
        self.kid = self.public_jwk["kid"]

    def sign(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s = decode_dss_signature(self._private.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def entry(stage: str, *keys: Key, **fields: Any) -> dict[str, Any]:
    return {
        "stage": stage,
        "label": fields.pop("label", stage),
        "api_url": fields.pop("api_url", f"https://{stage}.example.gov.cn"),
        "jwks": {"keys": [k.public_jwk for k in keys]},
        **fields,
    }


class Peers:
    """The anchor's and the stages' HTTP, between services in this process."""

    def __init__(self) -> None:
        self.stages: dict[str, DirectoryService] = {}
        self.down: set[str] = set()

    def get(self, url: str, _max_answer: int = 0) -> tuple[int, dict[str, Any]]:
        stage = url.split("//")[1].split(".")[0]
        if stage in self.down or stage not in self.stages:
            raise DeliveryFailed("down")
        held = self.stages[stage].held()
        return (200, held.to_view(stage)) if held else (404, {})

    def post_json(self, url: str, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        stage = url.split("//")[1].split(".")[0]
        if stage in self.down or stage not in self.stages:
            raise DeliveryFailed("down")
        try:
            return 200, self.stages[stage].take(body["signed"]).to_view(stage)
        except InvalidInput as refusal:
            return 400, {"code": refusal.code}


@pytest.fixture
def world(clock):
    anchor_key, stage_keys = Key(), {name: Key() for name in ("city", "wuxing", "nanxun", "deqing")}
    peers, logged, joined = Peers(), [], []
    http = [peers]  # what the stages' HTTP is now (a test may swap it)

    def stage(name: str, signer: Key | None = None) -> DirectoryService:
        federation = Federation(name, "city", "https://city.example.gov.cn", (anchor_key.public_jwk,))
        service = DirectoryService(
            MemoryDirectoryStore(MemoryStore()),
            federation,
            JwsDirectoryCheck(),
            clock,
            lambda: http[0],
            lambda: AnchorKey(signer) if signer else None,
            lambda message, fields: logged.append((name, message, fields)),
            lambda newcomer: joined.append((name, newcomer)),
            lambda: frozenset({"city", "wuxing"}),  # the listing every stage was deployed with
        )
        peers.stages[name] = service
        return service

    services = {"city": stage("city", anchor_key), "wuxing": stage("wuxing"), "nanxun": stage("nanxun")}
    return {
        "keys": stage_keys,
        "anchor_key": anchor_key,
        "services": services,
        "peers": peers,
        "logged": logged,
        "joined": joined,
        "stage": stage,
        "http": http,
    }


# 32 bytes of base64url that are no P-256 x coordinate with the key's y (a point off the curve).
OFF_CURVE = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA"


def first_listing(world, version: int = 1, names=("city", "wuxing", "nanxun")) -> dict[str, Any]:
    return {"version": version, "stages": [entry(name, world["keys"][name]) for name in names]}


def test_the_anchor_publishes_a_signed_version_that_every_stage_takes_by_push_or_poll(world):
    city, wuxing, nanxun = (world["services"][n] for n in ("city", "wuxing", "nanxun"))

    # When the operators publish version 1 on the anchor
    published = city.publish(first_listing(world))

    # Then it is signed by the anchor's key over exactly what it lists
    view = published.to_view("city")
    header_payload = jws.verify_compact(
        view["signed"], {world["anchor_key"].kid: world["anchor_key"].public_jwk}.get
    )
    assert header_payload[1] == {
        k: view[k] for k in ("anchor", "version", "issued_at", "stages", "anchor_jwks")
    }
    assert world["anchor_key"].kid in [k["kid"] for k in view["anchor_jwks"]["keys"]]

    # and a push reaches every listed stage but one that is down, which finds it at its poll
    world["peers"].down.add("nanxun")
    assert city.push() == 1
    assert wuxing.held().version == 1 and nanxun.held() is None
    world["peers"].down.clear()
    assert nanxun.poll() is True and nanxun.held().version == 1
    assert city.push() == 1  # nanxun already holds it: acknowledged, not pushed again after
    assert city.push() == 0


def test_a_stage_then_trusts_exactly_the_stages_and_keys_listed(world):
    city, wuxing = world["services"]["city"], world["services"]["wuxing"]
    pinned = Directory("wuxing", ())
    assert wuxing.trusted(pinned) is pinned  # nothing held yet: what it was deployed with

    city.publish(first_listing(world))
    city.push()

    trusted = wuxing.trusted(pinned)
    assert [m.stage for m in trusted.members] == ["city", "wuxing", "nanxun"]
    assert trusted.key("nanxun", world["keys"]["nanxun"].kid) is not None
    assert trusted.key("deqing", world["keys"]["deqing"].kid) is None


def test_adding_a_stage_is_one_put_and_each_stage_takes_it(world, clock):
    city, wuxing = world["services"]["city"], world["services"]["wuxing"]
    city.publish(first_listing(world))
    city.push()

    # When the anchor lists a fourth stage
    city.publish(first_listing(world, 2, ("city", "wuxing", "nanxun", "deqing")))
    city.push()
    clock.at(seconds=6)  # a process re-reads what it trusts every few seconds

    # Then the stages trust its key from then on
    assert wuxing.trusted(Directory("wuxing", ())).key("deqing", world["keys"]["deqing"].kid) is not None


def test_versions_go_up_by_one_and_a_retry_of_the_same_put_is_answered_the_same(world):
    city = world["services"]["city"]
    first = city.publish(first_listing(world))

    assert city.publish(first_listing(world)).signed == first.signed  # the same version, same body
    with pytest.raises(Conflict) as skipped:
        city.publish(first_listing(world, 3))
    assert skipped.value.code == "version_conflict" and skipped.value.details == {"current_version": 1}
    with pytest.raises(Conflict):  # the same version with another body
        city.publish(first_listing(world, 1, ("city", "wuxing")))


def test_only_the_anchor_publishes(world):
    with pytest.raises(Forbidden) as refused:
        world["services"]["wuxing"].publish(first_listing(world))
    assert refused.value.code == "not_the_anchor"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda body: body["stages"].append(dict(body["stages"][1])), "listed twice"),
        (lambda body: body["stages"].pop(0), "anchor"),
        (lambda body: body["stages"][1]["jwks"]["keys"].clear(), "no key"),
        (lambda body: body["stages"][1]["jwks"]["keys"][0].update(crv="P-384"), "P-256"),
        (lambda body: body["stages"][1]["jwks"]["keys"][0].update(x="AAAA"), "point of P-256"),
        (lambda body: body["stages"][1]["jwks"]["keys"][0].update(x=OFF_CURVE), "point of P-256"),
        (lambda body: body["stages"][1]["jwks"]["keys"][0].update(kid="ghost"), "thumbprint"),
        (lambda body: body["stages"][1].update(api_url="http://127.0.0.1@127.0.0.2:9999"), "https"),
        (lambda body: body["stages"][1].update(api_url="http://localhost.evil.example"), "https"),
        (lambda body: body["stages"][1].update(api_url="https://"), "https"),
        (lambda body: body["stages"][1].update(api_url="https://wuxing.example/?next=x"), "https"),
        (lambda body: body["stages"][2]["jwks"].update(keys=body["stages"][1]["jwks"]["keys"]), "kid"),
        (lambda body: body["stages"][1].update(witnesses=["deqing"]), "witnesses"),
        (lambda body: body["stages"][1].update(api_url="ftp://wuxing"), "https"),
        (lambda body: body.update(version=True), "version"),
    ],
)
def test_a_malformed_directory_is_refused_and_nothing_changes(world, change, why):
    city = world["services"]["city"]
    body = first_listing(world)
    change(body)
    with pytest.raises(InvalidInput) as refused:
        city.publish(body)
    assert refused.value.code == "invalid_directory" and why in refused.value.message
    assert city.held() is None


def test_a_directory_not_signed_by_a_trusted_anchor_key_or_not_newer_is_refused_and_logged(world):
    city, wuxing = world["services"]["city"], world["services"]["wuxing"]
    second = city.publish(first_listing(world))
    city.publish(first_listing(world, 2, ("city", "wuxing", "nanxun", "deqing")))

    # A stranger's key signing what looks like the anchor's directory
    stranger = AnchorKey(Key())
    forged = stranger.seal(second.listing.payload())
    with pytest.raises(InvalidInput) as refused:
        wuxing.take(forged)
    assert refused.value.code == "invalid_directory" and wuxing.held() is None

    # A newer version, then an older one: the older is refused and the newer kept
    wuxing.take(city.held().signed)
    with pytest.raises(InvalidInput) as backwards:
        wuxing.take(second.signed)
    assert backwards.value.code == "directory_outdated" and wuxing.held().version == 2
    refusals = [entry[1] for entry in world["logged"] if entry[0] == "wuxing"]
    assert refusals == ["federation directory refused"] * 2


def test_a_served_copy_that_differs_from_its_signed_payload_is_refused(world):
    city, wuxing = world["services"]["city"], world["services"]["wuxing"]
    served = city.publish(first_listing(world)).to_view("city")
    served["stages"][1]["api_url"] = "https://elsewhere.example.com"
    with pytest.raises(InvalidInput):
        wuxing.take(served["signed"], served)
    assert wuxing.held() is None


def test_the_anchor_rotates_its_own_key_with_one_version_that_lists_both(world):
    city, wuxing = world["services"]["city"], world["services"]["wuxing"]
    old = world["anchor_key"]
    city.publish(first_listing(world))
    city.push()

    # When the anchor publishes a version listing its old and new keys
    new = Key()
    body = {**first_listing(world, 2), "anchor_jwks": {"keys": [old.public_jwk, new.public_jwk]}}
    city.publish(body)
    city.push()
    assert [k["kid"] for k in wuxing.held().listing.anchor_keys] == [old.kid, new.kid]

    # Then a version signed by the new key alone (not pinned) is taken
    third = listing_of(first_listing(world, 3), "city", "2026-11-26T09:00:00Z")
    third = with_witnesses(
        type(third)(third.anchor, 3, third.issued_at, third.stages, (new.public_jwk,)), wuxing.held().listing
    )
    assert wuxing.take(AnchorKey(new).seal(third.payload())).version == 3


def test_a_retired_stage_key_still_verifies_what_it_signed_and_not_what_is_new(world):
    keys = world["keys"]
    old = {**keys["wuxing"].public_jwk, "status": RETIRED}
    body = first_listing(world)
    body["stages"][1]["jwks"]["keys"] = [old, Key().public_jwk]
    world["services"]["city"].publish(body)

    directory = world["services"]["city"].held().listing.directory("city")
    assert directory.key("wuxing", keys["wuxing"].kid) is not None  # old trail events verify
    assert directory.owner_of(keys["wuxing"].kid, active_only=True) is None  # new messages do not


def test_each_stage_gets_min_3_witnesses_the_anchor_first_kept_from_one_version_to_the_next(world):
    city = world["services"]["city"]
    names = ("city", "wuxing", "nanxun", "deqing")
    world["keys"]["anhui"] = Key()
    world["keys"]["anji"] = Key()
    first = city.publish(first_listing(world, 1, names))
    witnesses = {e.stage: e.witnesses for e in first.listing.stages}
    assert witnesses["wuxing"][0] == "city" and len(witnesses["wuxing"]) == 3
    assert witnesses["city"] == ("wuxing", "nanxun", "deqing")
    assert all(stage not in chosen for stage, chosen in witnesses.items())

    # When two stages join, every stage keeps the witnesses it had
    second = city.publish(first_listing(world, 2, (*names, "anhui", "anji")))
    assert {e.stage: e.witnesses for e in second.listing.stages if e.stage in names} == witnesses
    # and a checkpoint round costs at most 3 messages per stage, not one per peer
    assert all(len(e.witnesses) == 3 for e in second.listing.stages)


def test_the_anchors_own_key_can_be_neither_listed_for_a_stage_nor_left_out_nor_replaced(world):
    city, anchor_key = world["services"]["city"], world["anchor_key"]

    # A stage entry carrying the anchor's directory key: the kid would be used twice
    body = first_listing(world)
    body["stages"][1]["jwks"]["keys"] = [anchor_key.public_jwk]
    with pytest.raises(InvalidInput) as twice:
        city.publish(body)
    assert "kid is used twice" in twice.value.message

    # anchor_jwks that leave out the key the anchor signs with
    with pytest.raises(InvalidInput) as left_out:
        city.publish({**first_listing(world), "anchor_jwks": {"keys": [Key().public_jwk]}})
    assert "signs with" in left_out.value.message

    # another key under the anchor's kid
    impostor = {**Key().public_jwk, "kid": anchor_key.kid}
    with pytest.raises(InvalidInput) as replaced:
        city.publish({**first_listing(world), "anchor_jwks": {"keys": [impostor]}})
    assert "thumbprint" in replaced.value.message
    assert city.held() is None

    # and after all of that, a good version is published and read back
    assert city.publish(first_listing(world)).version == 1 and city.held().version == 1


def test_a_version_kept_by_another_delivery_meanwhile_is_answered_outdated_not_an_error(world, monkeypatch):
    city, wuxing = world["services"]["city"], world["services"]["wuxing"]
    signed = city.publish(first_listing(world)).signed

    def kept_meanwhile(version, *_written):
        raise StaleWrite(str(version))

    monkeypatch.setattr(wuxing._store, "keep", kept_meanwhile)
    with pytest.raises(InvalidInput) as outdated:
        wuxing.take(signed)
    assert outdated.value.code == "directory_outdated"


def test_what_the_service_reports_each_has_the_metric_its_alarm_reads(world):
    from chalicelib.adapters import metrics
    from chalicelib.services import directory as reports
    from chalicelib.wiring._directory import ALARMED_BY

    # A stage that cannot reach the anchor reports it at each poll, and keeps what it holds
    world["peers"].down.add("city")
    assert world["services"]["wuxing"].poll() is False
    assert world["logged"][-1][:2] == ("wuxing", reports.ANCHOR_UNREACHABLE)

    # A new version that changes a stage's own entry is reported by that stage
    city = world["services"]["city"]
    world["peers"].down.clear()
    city.publish(first_listing(world))
    city.push()
    moved = first_listing(world, 2)
    moved["stages"][1]["label"] = "吴兴区 Wuxing (renamed)"
    city.publish(moved)
    city.push()
    assert ("wuxing", reports.OWN_ENTRY_CHANGED) in [entry[:2] for entry in world["logged"]]
    assert ("nanxun", reports.OWN_ENTRY_CHANGED) not in [entry[:2] for entry in world["logged"]]

    assert ALARMED_BY == {
        reports.REFUSED: metrics.DIRECTORY_PROBLEMS,
        reports.OWN_ENTRY_CHANGED: metrics.DIRECTORY_PROBLEMS,
        reports.ANCHOR_UNREACHABLE: metrics.ANCHOR_UNREACHABLE,
    }


class SlowPeers(Peers):
    """Stages that take a push only while another push is under way: one push after another,
    the first waits for a second that never comes and fails."""

    def __init__(self, stages: dict[str, DirectoryService]) -> None:
        super().__init__()
        self.stages = stages
        self._together = threading.Barrier(2, timeout=5)
        self.in_flight = self.most_in_flight = 0
        self._count = threading.Lock()

    def post_json(self, url: str, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._count:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if not self._together.broken:
                with contextlib.suppress(threading.BrokenBarrierError):
                    self._together.wait()
            return super().post_json(url, body)
        finally:
            with self._count:
                self.in_flight -= 1


def test_the_anchor_pushes_to_a_provinces_stages_side_by_side_and_each_takes_it(world):
    # Given a province: the anchor and 40 counties listed with their keys, each county answering
    # only while another push is under way
    counties = [f"county{n:02d}" for n in range(40)]
    for name in counties:
        world["stage"](name)
    city = world["services"]["city"]
    listing = {"version": 1, "stages": [entry("city", world["keys"]["city"])]}
    listing["stages"] += [entry(name, Key()) for name in counties]
    city.publish(listing)
    slow = SlowPeers(world["peers"].stages)
    world["http"][0] = slow

    # When the anchor's job pushes the version
    reached = city.push()

    # Then every county holds it, pushed several at a time but never more than PUSHED_AT_ONCE
    assert reached == 40
    assert all(slow.stages[name].held().version == 1 for name in counties)
    assert 2 <= slow.most_in_flight <= PUSHED_AT_ONCE
    assert city.push() == 0  # each acknowledged: not pushed again


def test_a_version_pushed_again_after_a_poll_took_it_is_not_newer_and_not_a_problem(world):
    city, wuxing = world["services"]["city"], world["services"]["wuxing"]
    signed = city.publish(first_listing(world)).signed
    wuxing.take(signed)

    with pytest.raises(InvalidInput) as again:
        wuxing.take(signed)
    assert again.value.code == "directory_outdated"
    assert [entry for entry in world["logged"] if entry[0] == "wuxing"] == []  # nothing to alarm on


def test_each_stage_introduces_itself_to_a_stage_a_new_version_adds_in_its_job_and_again_after_a_removal(
    world, clock
):
    city, wuxing, nanxun = (world["services"][n] for n in ("city", "wuxing", "nanxun"))
    stages = (city, wuxing, nanxun)

    def job_runs(after_seconds):
        clock.at(seconds=after_seconds)
        return [service.introduce_owed() for service in stages]

    two = first_listing(world, 1, ("city", "wuxing"))
    city.publish(two)
    city.push()

    # When nanxun is added
    city.publish({**first_listing(world, 2), "version": 2})
    city.push()

    # Then nothing is sent on the publish or the push (request paths), nor in the job before
    # every process trusts the version; after that, the anchor and wuxing introduce themselves
    # to it once, and nanxun (whose first version it is) to no one
    assert world["joined"] == [] and job_runs(1) == [0, 0, 0]
    assert job_runs(6) == [1, 1, 0] and job_runs(7) == [0, 0, 0]
    assert world["joined"] == [("city", "nanxun"), ("wuxing", "nanxun")]

    # When it is removed, then added again: introduced again
    city.publish({**two, "version": 3})
    city.push()
    city.publish({**first_listing(world, 4), "version": 4})
    city.push()
    job_runs(20)
    assert world["joined"] == [("city", "nanxun"), ("wuxing", "nanxun")] * 2


def test_a_job_run_introduces_a_few_stages_and_the_next_goes_on_where_it_stopped(world, clock):
    city = world["services"]["city"]
    city.publish(first_listing(world, 1, ("city",)))
    many = [entry(f"county{n}", Key()) for n in range(7)]
    city.publish({"version": 2, "stages": [entry("city", world["keys"]["city"]), *many]})
    clock.at(seconds=6)

    assert city.introduce_owed(at_most=5) == 5
    assert city.introduce_owed(at_most=5) == 2 and city.introduce_owed() == 0
    assert [stage for _, stage in world["joined"]] == [f"county{n}" for n in range(7)]
