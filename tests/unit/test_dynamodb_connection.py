"""The process's one DynamoDB client (adapters/tables.py): shared by every row class, and built
without botocore listing every service it ships (bench: cold first response)."""

import os

import botocore
import pytest
from botocore.exceptions import UnknownServiceError
from botocore.session import get_session

from chalicelib.adapters import tables
from chalicelib.adapters.catalogue_rows import ProofRow
from chalicelib.adapters.relay_rows import RequestRow

BOTOCORE_DATA = os.path.join(os.path.dirname(botocore.__file__), "data")


@pytest.fixture
def credentials(monkeypatch):
    # PynamoDB builds a new client on every use while it has no credentials.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # The process's connection is cached: the one made here, without the local stack's
    # endpoint, must not outlive the test (other tests in this worker use DynamoDB Local).
    tables.dynamodb.cache_clear()
    yield
    tables.dynamodb.cache_clear()


def test_every_row_class_uses_the_process_client(credentials):
    # Given two row classes of different capabilities
    # When each asks for its connection
    proofs, requests = ProofRow._get_connection(), RequestRow._get_connection()

    # Then both send through the one client of the process's connection
    shared = tables.dynamodb(ProofRow.Meta.region).client
    assert proofs.connection._client is shared
    assert requests.connection._client is shared


def test_the_client_is_built_without_listing_the_services_botocore_ships(credentials, monkeypatch):
    # Given a new connection, and a record of the directories listed
    listed = []
    real_listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path=".": listed.append(str(path)) or real_listdir(path))

    # When its client is built
    client = tables._DynamoDbConnection(region="cn-northwest-1").client

    # Then botocore's data directory itself was never listed, only DynamoDB's own folder
    assert BOTOCORE_DATA not in listed
    assert os.path.join(BOTOCORE_DATA, "dynamodb") in listed
    # and the client has DynamoDB's whole model, as a plain botocore client has
    plain = get_session().create_client("dynamodb", region_name="cn-northwest-1")
    assert client.meta.service_model.operation_names == plain.meta.service_model.operation_names
    assert client.meta.endpoint_url == plain.meta.endpoint_url


def test_the_loader_knows_dynamodb_only_for_the_models_it_has(credentials):
    # Given the session of a DynamoDB connection
    session = tables._DynamoDbConnection(region="cn-northwest-1").session
    loader = session.get_component("data_loader")

    # Then it offers DynamoDB for a model DynamoDB has, and nothing for one it lacks
    assert loader.list_available_services("service-2") == ["dynamodb"]
    assert loader.list_available_services("no-such-model-1") == []
    # and another service is refused as botocore refuses an unknown one
    with pytest.raises(UnknownServiceError):
        session.create_client("sns", region_name="cn-northwest-1")
