"""Importing the app (Lambda's init) builds nothing: clients, connections and schema validators
are made on first use, when the stage's settings are known (DESIGN.md, pitfalls)."""

from bench import cold_start


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
