"""Importing the app (Lambda's init) builds nothing: clients, connections and schema validators
are made on first use, when the stage's settings are known (DESIGN.md, pitfalls)."""

import json
import os
import subprocess
import sys
from functools import cached_property

import pytest

from bench import cold_start
from bench.cold_start import PROJECT
from chalicelib import wiring
from chalicelib.settings import get_settings


def test_importing_the_app_builds_no_client_connection_or_schema():
    report = cold_start.probe("app")

    left = {key: value for key, value in report.items() if key != "seconds"}
    assert left == {
        "aws_clients": 0,
        "connections": 0,
        "default_session": 0,
        "schemas_loaded": 0,
        "validators": 0,
    }


def test_importing_the_app_loads_no_capabilitys_code():
    # Given a fresh interpreter that imports the app, as Lambda's init does
    probe = (
        "import sys, app; print(' '.join(m for m in sys.modules if m.startswith("
        "('chalicelib.wiring._', 'chalicelib.services.', 'chalicelib.adapters.relay', 'jsonschema', 'jwt',"
        " 'chalicelib.domain.transparency', 'chalicelib.domain.merkle', 'chalicelib.domain.hashchain',"
        " 'rfc8785'))))"
    )
    loaded = _fresh(probe)

    # Then of the composition root only what every request needs is loaded: no capability's
    # builders, services or repositories, no schema validator, no token library, and nothing
    # of the transparency log or of record hashing (which a route imports only when it runs)
    assert sorted(loaded.split()) == ["chalicelib.services.ports", "chalicelib.wiring._stage"]


def test_the_container_builds_each_service_once_and_a_new_container_builds_its_own(tmp_path, monkeypatch):
    # Given a stage's settings (a key file of its own; nothing here talks to AWS), as in Lambda
    monkeypatch.setenv("FEDERATION_KEY_FILE", str(tmp_path / "own.pem"))
    monkeypatch.setenv("AWS_REGION", "cn-northwest-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "cn-northwest-1")
    settings = get_settings()
    first = wiring.bootstrap(settings)
    members = vars(wiring.Container).items()
    services = [name for name, member in members if isinstance(member, cached_property)]

    # When every service and what they share is asked for twice, through the typed shortcuts
    # where there is one, and a second container is built from the same settings
    built = {name: getattr(first, name) for name in services}
    shortcut = {name: getattr(wiring, name, None) for name in services}
    again = {name: shortcut[name]() if shortcut[name] else getattr(first, name) for name in services}
    second = wiring.bootstrap(settings)

    # Then each was built once for the first container, and the second builds its own
    assert len(services) >= 20
    assert all(again[name] is built[name] for name in services)
    assert wiring.container() is second and second.relay is not first.relay
    assert second.settings is settings


COLLECTOR_PROBE = """
import gc, json, sys
import app
from chalice.local import LambdaEventConverter, RouteMatcher
after_import = gc.isenabled()
converter = LambdaEventConverter(RouteMatcher(list(app.app.routes)))
event = converter.create_lambda_event("GET", "/openapi.json", {}, b"")
answer = app.app(event, None)
print(json.dumps([after_import, answer["statusCode"], gc.isenabled(), gc.get_freeze_count() > 0]))
"""

EVERY_HANDLER_PROBE = """
import json, app
from chalice.app import EventSourceHandler
from chalicelib.api.middleware import resume_collector_after_first as resume
handlers = {n: h for n, h in vars(app).items() if isinstance(h, EventSourceHandler)}
print(json.dumps({n: resume in list(h.middleware_handlers) for n, h in handlers.items()}))
"""


@pytest.mark.parametrize(
    ("lambda_name", "after_import"),
    [("proof-free-wuxing-APIHandler", False), (None, True)],
    ids=["in Lambda", "elsewhere"],
)
def test_the_collector_is_back_on_after_the_first_event_in_lambda_and_after_the_import_elsewhere(
    lambda_name, after_import
):
    # Given a fresh interpreter, in a Lambda container (its function's name set) or not
    # When it imports the app, then answers an event
    imported, status, enabled, frozen = json.loads(_fresh(COLLECTOR_PROBE, lambda_name))

    # Then in Lambda the collector is still off after the import and on after the first event;
    # elsewhere (a server, a job loop, a test) it is on from the import on. Either way, what was
    # built before it came back is frozen out of its sight.
    assert (imported, status, enabled, frozen) == (after_import, 200, True, True)


def test_in_lambda_every_function_of_the_app_turns_the_collector_back_on_after_its_first_event():
    # Given the app in a Lambda container: each function (the API, each schedule, the stream's
    # and the queue's consumers) is a container of its own, importing the same app.py
    passes = json.loads(_fresh(EVERY_HANDLER_PROBE, "proof-free-wuxing-dispatch_outbox"))

    # Then every event handler, not only the HTTP routes', passes through the middleware
    assert len(passes) >= 9 and "dispatch_outbox" in passes and "transparency_log" in passes
    assert all(passes.values()), passes


def _fresh(probe: str, lambda_name: str | None = None) -> str:
    """The last line a fresh interpreter prints running `probe` in the project: in a Lambda
    container (as Lambda tells it, by its function's name) when `lambda_name` is given."""
    env = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    if lambda_name:
        env["AWS_LAMBDA_FUNCTION_NAME"] = lambda_name
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=PROJECT, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]
