"""Every AWS client of the app (DynamoDB through PynamoDB; KMS, Secrets Manager, SNS, SQS), built
on a botocore session that is cheaper to set up on a cold start than botocore's default, with the
same clients as the result (tests/unit/test_aws_clients.py; bench: cold first response). The
cold-start code that leans on the libraries' internals is all here, each piece with a test that
fails when the library changes under it.

Building a client, botocore by default
- lists the 400-odd services it ships, only to check that the one asked for is among them
  (about 14 ms, once per session);
- parses `endpoints.json`, 1.2 MB of every service's endpoints in every partition, of which a
  client reads its own service's entries and the partitions' defaults (about 12 ms, once).
This session's loader checks the folders of the services the app uses alone, and reads the
endpoints from a copy trimmed to those services (`make install` and the deployment build write
it: `python -m chalicelib.adapters.aws_clients`). The copy names the botocore release it was cut
from; with any other release, or none written, botocore's own file is read, as by default.

botocore clients, not boto3's: importing boto3 costs about 12 ms more and adds nothing here.
"""

from __future__ import annotations

import json
import os
import threading
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import botocore
from botocore.config import Config
from botocore.exceptions import DataNotFoundError
from botocore.loaders import Loader
from botocore.session import Session, get_session
from pynamodb.connection import Connection, TableConnection

SERVICES = ("dynamodb", "kms", "secretsmanager", "sns", "sqs")
TRIMMED_ENDPOINTS = Path(__file__).resolve().parent.parent / "_botocore" / "endpoints.json"

_local = threading.local()  # botocore builds clients unsafely across threads: a session per thread


def client(service: str, region: str, config: Config | None = None) -> Any:
    """A new botocore client of `service` (callers keep theirs: each is built once per container)."""
    return session().create_client(service, region_name=region, config=config)


def session() -> Session:
    """This thread's botocore session, with the app's loader."""
    if getattr(_local, "session", None) is None:
        lean = get_session()
        default = lean.get_component("data_loader")  # its search paths, AWS_DATA_PATH included
        paths = list(default.search_paths)
        lean.register_component(
            "data_loader", AppLoader(extra_search_paths=paths, include_default_search_paths=False)
        )
        _local.session = lean
    return _local.session


class DynamoDbConnection(Connection):
    """PynamoDB's connection, on this thread's session."""

    @property
    def session(self) -> Session:
        return session()


@lru_cache(maxsize=4)
def dynamodb(region: str) -> Connection:
    """The process's connection to DynamoDB (transactions use it directly), reused across
    invocations: building a botocore client is the costly part."""
    return DynamoDbConnection(region=region)


def on_shared_client(table: TableConnection, region: str) -> TableConnection:
    """A row class's table connection, sending through the process's one DynamoDB client.
    PynamoDB gives each model class a botocore client of its own, and each costs about 60 ms
    to create on a cold start (botocore reads its service model again): a relay create,
    touching three row classes, paid for three. PynamoDB has no public way to share one: this
    sets its connection's private `_client` (tests/unit/test_aws_clients.py fails if it moves)."""
    table.connection._client = dynamodb(region).client
    return table


class AppLoader(Loader):  # type: ignore[misc]
    """botocore's loader, for a session asked for the app's services only."""

    def list_available_services(self, type_name: str) -> list[str]:
        return [service for service in SERVICES if self._has(service, type_name)]

    def _has(self, service: str, type_name: str) -> bool:
        try:
            self.list_api_versions(service, type_name)
        except DataNotFoundError:
            return False
        return True

    def load_data_with_path(self, name: str) -> tuple[Any, str]:
        if name == "endpoints" and not self._endpoints_overridden():
            trimmed = trimmed_endpoints()
            if trimmed is not None:
                # Given as botocore's own file, which it is, trimmed: botocore resolves endpoints
                # differently from a file of the user's own (args.py, "uses_builtin_data").
                return trimmed, os.path.join(self.BUILTIN_DATA_PATH, "endpoints")
        data, path = super().load_data_with_path(name)
        return data, path

    def _endpoints_overridden(self) -> bool:
        """Whether a file of the user's own (AWS_DATA_PATH, ~/.aws/models) comes before botocore's."""
        others = [p for p in self.search_paths if p != self.BUILTIN_DATA_PATH]
        return any(self.file_loader.exists(os.path.join(path, "endpoints")) for path in others)


@cache
def trimmed_endpoints() -> dict[str, Any] | None:
    """The trimmed copy, if it was cut from the botocore release running."""
    try:
        written = json.loads(TRIMMED_ENDPOINTS.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return written["endpoints"] if written.get("botocore") == botocore.__version__ else None


def trim(endpoints: dict[str, Any]) -> dict[str, Any]:
    """botocore's endpoint data with every partition's services but the app's left out."""
    partitions = []
    for partition in endpoints["partitions"]:
        services = partition.get("services", {})
        kept = {name: services[name] for name in SERVICES if name in services}
        partitions.append({**partition, "services": kept})
    return {**endpoints, "partitions": partitions}


def write_trimmed_endpoints(path: Path | None = None) -> Path:
    path = path or TRIMMED_ENDPOINTS
    full = Loader().load_data("endpoints")
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"botocore": botocore.__version__, "endpoints": trim(full)}
    path.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
    return path


if __name__ == "__main__":
    written = write_trimmed_endpoints()
    print(f"wrote {written.relative_to(Path.cwd())} (botocore {botocore.__version__})")
