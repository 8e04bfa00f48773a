"""The process's one DynamoDB client (adapters/tables.py, adapters/dynamodb_client.py): shared
by every row class, and built without botocore listing every service it ships or parsing every
service's endpoints, to the same client (bench: cold first response)."""

import os

import botocore
import pytest
from botocore.exceptions import UnknownServiceError
from botocore.loaders import JSONFileLoader, Loader
from botocore.regions import EndpointResolver
from botocore.session import get_session

from chalicelib.adapters import dynamodb_client, tables
from chalicelib.adapters.catalogue_rows import ProofRow
from chalicelib.adapters.relay_rows import RequestRow

BOTOCORE_DATA = os.path.join(os.path.dirname(botocore.__file__), "data")


@pytest.fixture
def credentials(monkeypatch):
    # PynamoDB builds a new client on every use while it has no credentials.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)  # botocore resolves the endpoint
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
    client = dynamodb_client.DynamoDbConnection(region="cn-northwest-1").client

    # Then botocore's data directory itself was never listed, only DynamoDB's own folder
    assert BOTOCORE_DATA not in listed
    assert os.path.join(BOTOCORE_DATA, "dynamodb") in listed
    # and the client has DynamoDB's whole model, as a plain botocore client has
    plain = get_session().create_client("dynamodb", region_name="cn-northwest-1")
    assert client.meta.service_model.operation_names == plain.meta.service_model.operation_names
    assert client.meta.endpoint_url == plain.meta.endpoint_url


def test_the_loader_knows_dynamodb_only_for_the_models_it_has(credentials):
    # Given the session of a DynamoDB connection
    session = dynamodb_client.DynamoDbConnection(region="cn-northwest-1").session
    loader = session.get_component("data_loader")

    # Then it offers DynamoDB for a model DynamoDB has, and nothing for one it lacks
    assert loader.list_available_services("service-2") == ["dynamodb"]
    assert loader.list_available_services("no-such-model-1") == []
    # and another service is refused as botocore refuses an unknown one
    with pytest.raises(UnknownServiceError):
        session.create_client("sns", region_name="cn-northwest-1")


@pytest.fixture
def trimmed(tmp_path, monkeypatch):
    """A trimmed copy of the endpoints written, as `make install` writes it."""
    path = tmp_path / "dynamodb-endpoints.json"
    monkeypatch.setattr(dynamodb_client, "TRIMMED_ENDPOINTS", path)
    dynamodb_client.trimmed_endpoints.cache_clear()
    dynamodb_client.write_trimmed_endpoints(path)
    yield path
    dynamodb_client.trimmed_endpoints.cache_clear()


def test_the_trimmed_endpoints_resolve_dynamodb_as_botocores_own_in_every_region(trimmed):
    # Given botocore's endpoint data and the copy trimmed to DynamoDB
    full = Loader().load_data("endpoints")
    own, cut = EndpointResolver(full, True), EndpointResolver(dynamodb_client.trimmed_endpoints(), True)
    regions = [region for partition in full["partitions"] for region in partition["regions"]]
    assert len(regions) > 30 and "cn-northwest-1" in regions and "cn-north-1" in regions

    # Then every region of every partition resolves to the same DynamoDB endpoint (or to the same
    # refusal), with each variant
    for region in [*regions, "cn-somewhere-9", "eu-nowhere-1"]:
        for fips in (False, True):
            for dualstack in (False, True):
                asked = {"use_fips_endpoint": fips, "use_dualstack_endpoint": dualstack}
                assert _resolved(cut, region, asked) == _resolved(own, region, asked), (region, asked)
    # and the copy is small: the point of it
    assert trimmed.stat().st_size < 50_000


def _resolved(resolver, region, asked):
    try:
        return resolver.construct_endpoint("dynamodb", region, **asked)
    except Exception as refused:  # the refusal is the outcome compared
        return type(refused).__name__, str(refused)


def test_a_client_reads_the_trimmed_endpoints_and_resolves_as_a_plain_one(credentials, trimmed, monkeypatch):
    # Given a record of the data files botocore reads
    read = []
    real_load = JSONFileLoader.load_file
    monkeypatch.setattr(
        JSONFileLoader, "load_file", lambda self, path: read.append(path) or real_load(self, path)
    )

    for region in ("cn-northwest-1", "cn-north-1", "us-east-1"):
        # When a client is built for the region
        client = dynamodb_client.DynamoDbConnection(region=region).client

        # Then it has the endpoint and signing region a plain botocore client has
        plain = get_session().create_client("dynamodb", region_name=region)
        assert client.meta.endpoint_url == plain.meta.endpoint_url
        assert client.meta.region_name == plain.meta.region_name
        assert client.meta.partition == plain.meta.partition
        assert client._request_signer._signing_name == plain._request_signer._signing_name
    # and only the plain clients read botocore's own endpoints.json (one session each)
    assert read.count(os.path.join(BOTOCORE_DATA, "endpoints")) == 3


def test_a_copy_cut_from_another_botocore_release_is_not_used(credentials, trimmed):
    # Given a copy that names another botocore release
    document = trimmed.read_text().replace(botocore.__version__, "0.0.1")
    trimmed.write_text(document)
    dynamodb_client.trimmed_endpoints.cache_clear()

    # Then it is ignored, and a client is still built, from botocore's own file
    assert dynamodb_client.trimmed_endpoints() is None
    client = dynamodb_client.DynamoDbConnection(region="cn-northwest-1").client
    assert client.meta.endpoint_url == "https://dynamodb.cn-northwest-1.amazonaws.com.cn"
