"""Tokens: HS256 with the dev secret on stage local only; RS256/ES256 from the JWKS elsewhere."""

import dataclasses
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from chalicelib.auth import identify
from chalicelib.domain.errors import Forbidden, Unauthenticated
from chalicelib.domain.identity import Role
from chalicelib.settings import DEV_SECRET, get_settings

CITIZEN_ID = "330521196201010014"


def settings(stage="local", jwks_url=""):
    return dataclasses.replace(
        get_settings(),
        stage=stage,
        auth_dev_secret=DEV_SECRET,
        auth_issuer="https://idp.test",
        auth_jwks_url=jwks_url,
        auth_audience="proof-free-city",
    )


def claims(**extra):
    return {"sub": "u1", "role": "catalogue_admin", "exp": int(time.time()) + 60, **extra}


def bearer(token):
    return {"authorization": f"Bearer {token}"}


def hs256(payload, secret=DEV_SECRET):
    return jwt.encode(payload, secret, algorithm="HS256")


def test_a_local_dev_token_identifies_its_holder():
    who = identify(bearer(hs256(claims(role="agency", unit_id="hz-gaj"))), settings())
    assert (who.sub, who.role, who.unit_id) == ("u1", Role.AGENCY, "hz-gaj")


def test_a_citizen_token_carries_a_valid_id_number_which_never_shows_in_repr():
    who = identify(bearer(hs256(claims(role="citizen", name="王小明", id_number=CITIZEN_ID))), settings())
    assert who.id_number == CITIZEN_ID
    assert CITIZEN_ID not in repr(who) and "王小明" not in repr(who)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Basic abc"},
        {"authorization": "Bearer "},
        {"authorization": "Bearer not.a.jwt"},
        bearer(hs256(claims(exp=int(time.time()) - 5))),
        bearer(hs256(claims(), secret="another-secret-that-is-32-bytes-long!")),
        bearer(jwt.encode(claims(), None, algorithm="none")),
        bearer(hs256({"sub": "u1", "role": "catalogue_admin"})),  # no exp
        bearer(hs256(claims(role="mayor"))),
        bearer(hs256(claims(role="agency"))),  # no unit_id
        bearer(hs256(claims(role="citizen", name="王小明"))),  # no id_number
        bearer(hs256(claims(role="citizen", name="王小明", id_number="330521196201010015"))),
        bearer(hs256(claims(sub=""))),
    ],
)
def test_missing_expired_forged_unsigned_or_incomplete_tokens_are_401(headers):
    with pytest.raises(Unauthenticated) as refused:
        identify(headers, settings())
    assert refused.value.code == "unauthenticated"


def test_the_wrong_role_is_403():
    who = identify(bearer(hs256(claims(role="supervisor"))), settings())
    with pytest.raises(Forbidden):
        who.require(Role.CATALOGUE_ADMIN)


@pytest.fixture(scope="module")
def jwks():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    keys = []
    for kid, key, alg in (("rsa1", rsa_key, "RS256"), ("ec1", ec_key, "ES256")):
        jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key()))
        keys.append({**jwk, "kid": kid, "alg": alg, "use": "sig"})
    body = json.dumps({"keys": keys}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_port}/jwks.json", "rsa": rsa_key, "ec": ec_key}
    server.shutdown()


def issued(key, alg, kid, **extra):
    payload = {**claims(iss="https://idp.test", aud="proof-free-city"), **extra}
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})


def test_a_county_stage_verifies_rs256_and_es256_tokens_against_the_jwks(jwks):
    county = settings("wuxing", jwks["url"])
    assert identify(bearer(issued(jwks["rsa"], "RS256", "rsa1")), county).sub == "u1"
    assert identify(bearer(issued(jwks["ec"], "ES256", "ec1")), county).sub == "u1"


def test_a_county_stage_refuses_dev_tokens_and_foreign_audiences(jwks):
    county = settings("wuxing", jwks["url"])
    for token in (
        hs256(claims()),
        issued(jwks["rsa"], "RS256", "rsa1", aud="someone-else"),
        issued(jwks["rsa"], "RS256", "rsa1", iss="https://evil.test"),
        issued(jwks["rsa"], "RS256", "unknown-kid"),
    ):
        with pytest.raises(Unauthenticated):
            identify(bearer(token), county)


def test_a_local_stage_given_an_issuer_takes_its_tokens_checked_as_a_county_does_and_its_dev_tokens(jwks):
    local = settings("local", jwks["url"])
    assert identify(bearer(issued(jwks["ec"], "ES256", "ec1")), local).sub == "u1"
    assert identify(bearer(hs256(claims())), local).sub == "u1"  # make token still works
    for token in (
        issued(jwks["ec"], "ES256", "ec1", aud="someone-else"),
        issued(jwks["ec"], "ES256", "ec1", iss="https://evil.test"),
        issued(jwks["rsa"], "RS256", "unknown-kid"),
        "not.a-token",
    ):
        with pytest.raises(Unauthenticated):
            identify(bearer(token), local)


def test_a_local_stage_without_an_issuer_refuses_every_asymmetric_token(jwks):
    local = dataclasses.replace(settings("local", jwks["url"]), auth_issuer="")
    with pytest.raises(Unauthenticated):
        identify(bearer(issued(jwks["ec"], "ES256", "ec1")), local)


def test_the_whole_caller_key_tells_apart_callers_that_differ_in_any_one_claim():
    """Cursors and Idempotency-Keys are bound to Identity.key: any two callers that differ in
    role, subject, unit or citizen get different keys, and the key shows no ID number."""
    from chalicelib.domain.identity import Identity

    base = Identity("s", Role.AGENCY, unit_id="hz-rsj")
    variants = [
        base,
        dataclasses.replace(base, sub="t"),
        dataclasses.replace(base, unit_id="hz-mzj"),
        dataclasses.replace(base, role=Role.SUPERVISOR, unit_id=None),
        dataclasses.replace(base, role=Role.CATALOGUE_ADMIN, unit_id=None),
        Identity("s", Role.CITIZEN, name="王小明", id_number=CITIZEN_ID),
        Identity("s", Role.CITIZEN, name="王小明", id_number="11010519491231002X"),
    ]
    keys = [identity.key for identity in variants]
    assert len(set(keys)) == len(variants)
    assert all(CITIZEN_ID not in key for key in keys)
    assert Identity("s", Role.AGENCY, unit_id="hz-rsj").key == base.key  # stable
