"""The app's AWS clients (adapters/aws_clients.py, adapters/tables.py): the process's one DynamoDB
client shared by every row class, and every client built without botocore listing every service
it ships or parsing every service's endpoints, to the same client (bench: cold first response)."""

import os
import threading

import botocore
import pytest
from botocore.exceptions import UnknownServiceError
from botocore.loaders import JSONFileLoader, Loader
from botocore.regions import EndpointResolver
from botocore.session import get_session
from botocore.stub import Stubber

from chalicelib.adapters import aws_clients, tables
from chalicelib.adapters.catalogue_rows import ProofRow
from chalicelib.adapters.relay_rows import RequestRow

BOTOCORE_DATA = os.path.join(os.path.dirname(botocore.__file__), "data")


@pytest.fixture
def credentials(monkeypatch):
    # PynamoDB builds a new client on every use while it has no credentials.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)  # botocore resolves the endpoint
    # The process's connection and the thread's session are kept: those made here, outside the
    # local stack, must not outlive the test (other tests in this worker use DynamoDB Local).
    monkeypatch.setattr(aws_clients, "_local", threading.local())
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


def test_a_row_class_reads_and_writes_through_the_process_client(credentials):
    # Given the process's client, stubbed: it answers a GetItem and a DeleteItem, nothing else
    # (the sharing sets PynamoDB's private Connection._client from the model's _get_connection;
    # if PynamoDB stops going through either, the call leaves through a client of its own)
    shared = tables.dynamodb(ProofRow.Meta.region).client
    with Stubber(shared) as stub:
        stub.add_response("get_item", {"Item": {"pk": {"S": "PROOF#P1"}, "sk": {"S": "A"}}})
        stub.add_response("delete_item", {})

        # When a row class reads an item, then a row of another class is deleted
        found = tables.find(ProofRow, "PROOF#P1")
        RequestRow(pk="REQ#R1", sk="A").delete()

        # Then both went through the shared client
        stub.assert_no_pending_responses()
    assert found is not None and found.pk == "PROOF#P1"


def test_the_clients_are_built_without_listing_the_services_botocore_ships(credentials, monkeypatch):
    # Given a new session, and a record of the directories listed
    listed = []
    real_listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path=".": listed.append(str(path)) or real_listdir(path))

    # When the app's clients are built
    built = {
        service: aws_clients.DynamoDbConnection(region="cn-northwest-1").client
        if service == "dynamodb"
        else aws_clients.client(service, "cn-northwest-1")
        for service in aws_clients.SERVICES
    }

    # Then botocore's data directory itself was never listed, only each service's own folder
    assert BOTOCORE_DATA not in listed
    for service, client in built.items():
        assert os.path.join(BOTOCORE_DATA, service) in listed
        # and each client has its service's whole model and endpoint, as a plain one has
        plain = get_session().create_client(service, region_name="cn-northwest-1")
        assert client.meta.service_model.operation_names == plain.meta.service_model.operation_names
        assert client.meta.endpoint_url == plain.meta.endpoint_url


def test_the_loader_knows_the_apps_services_only_for_the_models_they_have(credentials):
    # Given the app's session
    session = aws_clients.session()
    loader = session.get_component("data_loader")

    # Then it offers the app's services for a model they have, and nothing for one they lack
    assert loader.list_available_services("service-2") == list(aws_clients.SERVICES)
    assert loader.list_available_services("waiters-2") == ["dynamodb"]  # only DynamoDB has waiters
    assert loader.list_available_services("no-such-model-1") == []
    # and another service is refused as botocore refuses an unknown one
    with pytest.raises(UnknownServiceError):
        aws_clients.client("s3", "cn-northwest-1")


@pytest.fixture
def trimmed(tmp_path, monkeypatch):
    """A trimmed copy of the endpoints written, as `make install` writes it."""
    path = tmp_path / "endpoints.json"
    monkeypatch.setattr(aws_clients, "TRIMMED_ENDPOINTS", path)
    aws_clients.trimmed_endpoints.cache_clear()
    aws_clients.write_trimmed_endpoints(path)
    yield path
    aws_clients.trimmed_endpoints.cache_clear()


def test_the_trimmed_endpoints_resolve_the_apps_services_as_botocores_own_in_every_region(trimmed):
    # Given botocore's endpoint data and the copy trimmed to the app's services
    full = Loader().load_data("endpoints")
    own, cut = EndpointResolver(full, True), EndpointResolver(aws_clients.trimmed_endpoints(), True)
    regions = [region for partition in full["partitions"] for region in partition["regions"]]
    assert len(regions) > 30 and "cn-northwest-1" in regions and "cn-north-1" in regions

    # Then every service, in every region of every partition, resolves to the same endpoint (or
    # to the same refusal), with each variant
    for service in aws_clients.SERVICES:
        for region in [*regions, "cn-somewhere-9", "eu-nowhere-1"]:
            for fips in (False, True):
                for dualstack in (False, True):
                    asked = {"use_fips_endpoint": fips, "use_dualstack_endpoint": dualstack}
                    same = _resolved(cut, service, region, asked) == _resolved(own, service, region, asked)
                    assert same, (service, region, asked)
    # and the copy is small: the point of it
    assert trimmed.stat().st_size < 50_000


def _resolved(resolver, service, region, asked):
    try:
        return resolver.construct_endpoint(service, region, **asked)
    except Exception as refused:  # the refusal is the outcome compared
        return type(refused).__name__, str(refused)


def test_a_client_reads_the_trimmed_endpoints_and_resolves_as_a_plain_one(credentials, trimmed, monkeypatch):
    # Given a record of the data files botocore reads
    read = []
    real_load = JSONFileLoader.load_file
    monkeypatch.setattr(
        JSONFileLoader, "load_file", lambda self, path: read.append(path) or real_load(self, path)
    )

    for region, service in [("cn-northwest-1", "dynamodb"), ("cn-north-1", "kms"), ("us-east-1", "sns")]:
        # When a client is built for the region
        client = aws_clients.client(service, region)

        # Then it has the endpoint and signing region a plain botocore client has
        plain = get_session().create_client(service, region_name=region)
        assert client.meta.endpoint_url == plain.meta.endpoint_url
        assert client.meta.region_name == plain.meta.region_name
        assert client.meta.partition == plain.meta.partition
        assert client._request_signer._signing_name == plain._request_signer._signing_name
    # and only the plain clients read botocore's own endpoints.json (one session each)
    assert read.count(os.path.join(BOTOCORE_DATA, "endpoints")) == 3
    assert aws_clients.session() is aws_clients.session()  # the app's: one per thread


def test_a_copy_cut_from_another_botocore_release_is_not_used(credentials, trimmed):
    # Given a copy that names another botocore release
    document = trimmed.read_text().replace(botocore.__version__, "0.0.1")
    trimmed.write_text(document)
    aws_clients.trimmed_endpoints.cache_clear()

    # Then it is ignored, and a client is still built, from botocore's own file
    assert aws_clients.trimmed_endpoints() is None
    client = aws_clients.client("dynamodb", "cn-northwest-1")
    assert client.meta.endpoint_url == "https://dynamodb.cn-northwest-1.amazonaws.com.cn"


def test_the_trimmed_copy_in_the_package_is_cut_from_the_botocore_running():
    # A copy from another botocore release is ignored without a word (botocore's own file is
    # read, and a cold start pays about 12 ms more): make install writes it again whenever the
    # requirements change, and this fails when it has not.
    written = aws_clients.TRIMMED_ENDPOINTS
    assert written.exists(), "no trimmed endpoints: run make install"
    assert aws_clients.trimmed_endpoints() is not None, f"not cut from botocore {botocore.__version__}"
