"""The Lambda package that synth produced works on its own: unzipped, imported by an isolated
interpreter whose path holds only that package (no site-packages, no project checkout), and
served through its handler with API Gateway proxy events against DynamoDB Local."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# One worker synthesizes the stacks once for both files (make test runs two workers).
pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("synth")]

# Runs inside the unzipped package with `python -I -S`: it sees the standard library and the
# package, nothing else. It answers with what the handler returned for each event.
HANDLER_RUN = r"""
import json, sys
package = sys.argv[1]
sys.path.insert(0, package)
assert not [p for p in sys.path if "site-packages" in p], sys.path

import app, boto3, pynamodb
assert app.__file__.startswith(package) and boto3.__file__.startswith(package), (app.__file__, boto3.__file__)
assert pynamodb.__file__.startswith(package)


class Context:
    function_name = "proof-free-test-APIHandler"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws-cn:lambda:cn-northwest-1:123456789012:function:proof-free-test-APIHandler"
    aws_request_id = "req-1"
    log_stream_name = "test"

    def get_remaining_time_in_millis(self):
        return 30000


def event(resource, path, parameters=None):
    return {
        "resource": resource,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": parameters,
        "stageVariables": None,
        "requestContext": {"resourcePath": resource, "httpMethod": "GET", "requestId": "r1", "stage": "api"},
        "body": None,
        "isBase64Encoded": False,
    }


answers = [
    app.app(event("/openapi.json", "/openapi.json"), Context()),
    app.app(event("/proofs/{proof_id}", "/proofs/PF-PKG1", {"proof_id": "PF-PKG1"}), Context()),
    app.app(event("/proofs/{proof_id}", "/proofs/PF-NONE", {"proof_id": "PF-NONE"}), Context()),
]
print("ANSWERS " + json.dumps(answers, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def package(cdk_out, tmp_path_factory):
    (app_zip,) = [p for p in Path(cdk_out).glob("asset.*.zip") if "app.py" in zipfile.ZipFile(p).namelist()]
    target = tmp_path_factory.mktemp("lambda-package")
    zipfile.ZipFile(app_zip).extractall(target)
    return target


def test_the_unzipped_package_serves_the_api_against_dynamodb_local(
    package, api, admin_token, unit, stack_env
):
    from tests.support import proof_body

    assert api.post("/proofs", proof_body(proof_id="PF-PKG1"), token=admin_token).status_code == 201
    env = {**stack_env, "POWERTOOLS_METRICS_DISABLED": "true", "PATH": "/usr/bin:/bin"}

    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", HANDLER_RUN, str(package)],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("ANSWERS "))
    openapi, proof, missing = json.loads(line.removeprefix("ANSWERS "))
    assert openapi["statusCode"] == 200 and json.loads(openapi["body"])["openapi"].startswith("3.1")
    assert proof["statusCode"] == 200
    found = json.loads(proof["body"])
    assert (found["proof_id"], found["name"], found["version"]) == ("PF-PKG1", "亲属关系证明", 1)
    assert missing["statusCode"] == 404 and json.loads(missing["body"])["code"]
