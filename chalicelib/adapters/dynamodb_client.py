"""The botocore session behind the process's DynamoDB client, made cheaper to build on a cold
start than botocore's default, with the same client as the result (tests/unit/test_dynamodb_connection.py).

Building a DynamoDB client, botocore by default
- lists the 400-odd services it ships, only to check that "dynamodb" is one of them (~14 ms);
- parses `endpoints.json`, 1.2 MB of every service's endpoints in every partition, of which a
  DynamoDB client reads DynamoDB's entries and the partitions' defaults (~12 ms).
This session's loader checks DynamoDB's folder alone, and reads the endpoints from a copy
trimmed to DynamoDB (`make install` and the deployment package write it: `python -m
chalicelib.adapters.dynamodb_client`). The copy names the botocore release it was cut from; with
any other release, or none written, botocore's own file is read, as by default.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import botocore
from botocore.exceptions import DataNotFoundError
from botocore.loaders import Loader
from botocore.session import Session
from pynamodb.connection import Connection

SERVICE = "dynamodb"
TRIMMED_ENDPOINTS = Path(__file__).resolve().parent.parent / "_botocore" / "dynamodb-endpoints.json"


class DynamoDbConnection(Connection):
    """PynamoDB's connection, on a botocore session that builds DynamoDB clients cheaply."""

    @property
    def session(self) -> Session:
        session = super().session  # one per thread: botocore builds clients unsafely across threads
        loader = session.get_component("data_loader")
        if not isinstance(loader, DynamoDbLoader):  # the same search paths (AWS_DATA_PATH included)
            paths = list(loader.search_paths)
            session.register_component(
                "data_loader", DynamoDbLoader(extra_search_paths=paths, include_default_search_paths=False)
            )
        return session


class DynamoDbLoader(Loader):  # type: ignore[misc]
    """botocore's loader, for a session asked for DynamoDB only."""

    def list_available_services(self, type_name: str) -> list[str]:
        try:
            self.list_api_versions(SERVICE, type_name)
        except DataNotFoundError:
            return []
        return [SERVICE]

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
    """botocore's endpoint data with every partition's services but DynamoDB left out."""
    partitions = []
    for partition in endpoints["partitions"]:
        services = partition.get("services", {})
        kept = {SERVICE: services[SERVICE]} if SERVICE in services else {}
        partitions.append({**partition, "services": kept})
    return {**endpoints, "partitions": partitions}


def write_trimmed_endpoints(path: Path = TRIMMED_ENDPOINTS) -> None:
    full = Loader().load_data("endpoints")
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"botocore": botocore.__version__, "endpoints": trim(full)}
    path.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")


if __name__ == "__main__":
    write_trimmed_endpoints()
    print(f"wrote {TRIMMED_ENDPOINTS.relative_to(Path.cwd())} (botocore {botocore.__version__})")
