"""The CDK app: one stack per stage (infra/stages.py). `make synth` runs it offline.

    python -m infra.app [--outdir cdk.out]

The identity provider of each stage comes from CDK context (`-c auth_issuer=...` with the CDK
CLI, or the AUTH_ISSUER / AUTH_JWKS_URL / AUTH_AUDIENCE environment variables here); without
it the deployed API refuses every token, as it should.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import py_compile
import shutil
import sys
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from chalicelib.adapters.aws_clients import write_trimmed_endpoints
from infra.account import ApiGatewayAccountStack
from infra.local.stack import PROJECT
from infra.nag import acknowledge, acknowledge_account
from infra.stack import ProofFreeCityStack
from infra.stages import FEDERATION_DIRECTORY, PYTHON_RUNTIME, REGION, STAGES, directory

PACKAGED_SCHEMAS = PROJECT / "chalicelib" / "_schemas"


def copy_schemas() -> None:
    """Chalice ships only app.py and chalicelib/: the schemas travel inside chalicelib/."""
    shutil.rmtree(PACKAGED_SCHEMAS, ignore_errors=True)
    shutil.copytree(PROJECT / "schemas", PACKAGED_SCHEMAS)


def write_directory() -> None:
    """The federation's directory travels inside chalicelib/ too (FEDERATION_DIRECTORY_FILE)."""
    path = PROJECT / FEDERATION_DIRECTORY
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(directory(), ensure_ascii=False, indent=1), encoding="utf-8")


def compile_bytecode() -> None:
    """Ship chalicelib's bytecode in the package. Lambda's file system is read-only, so without
    it every cold start compiles the app from source again (about 75 ms; bench/cold_start.py).
    Hash-checked, so the zip's file times do not matter and an edited source is never shadowed."""
    compileall.compile_dir(
        PROJECT / "chalicelib",
        quiet=1,
        force=True,  # rewrite timestamp-checked files a local run may have left
        invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
    )


def require_runtime(version: tuple[int, int]) -> None:
    """Chalice packages wheels and bytecode for the Python that runs it: refuse any other than
    the stages' runtime, or a deployed function would fail to import its own package."""
    running = f"python{version[0]}.{version[1]}"
    if running != PYTHON_RUNTIME:
        raise SystemExit(
            f"synth needs {PYTHON_RUNTIME} (the stages' Lambda runtime, infra/stages.py), "
            f"not {running}: recreate .venv with that Python (make clean; make install PYTHON=...)."
        )


def build(outdir: str) -> tuple[cdk.App, list[ProofFreeCityStack]]:
    require_runtime(sys.version_info[:2])
    copy_schemas()
    write_trimmed_endpoints()  # cut from the botocore that chalice packages (the same pin)
    write_directory()
    compile_bytecode()
    # chalice package asks botocore for the partition of the region it packages for.
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    app = cdk.App(outdir=outdir)
    auth = {
        "issuer": app.node.try_get_context("auth_issuer") or os.environ.get("AUTH_ISSUER", ""),
        "jwks_url": app.node.try_get_context("auth_jwks_url") or os.environ.get("AUTH_JWKS_URL", ""),
        "audience": app.node.try_get_context("auth_audience") or os.environ.get("AUTH_AUDIENCE", ""),
    }
    env = cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=REGION)
    stacks = [ProofFreeCityStack(app, stage, auth, env=env) for stage in STAGES]
    for stack in stacks:
        acknowledge(stack)
    acknowledge_account(ApiGatewayAccountStack(app, env=env))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stacks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outdir", default=os.environ.get("CDK_OUTDIR", str(PROJECT / "cdk.out")))
    args = parser.parse_args()
    # chalice package writes chalice.out/ under the working directory: keep it in the project.
    os.chdir(PROJECT)
    app, _ = build(args.outdir)
    app.synth()
    print(f"synthesized {len(STAGES)} stages and the account stack into {Path(args.outdir)}")


if __name__ == "__main__":
    main()
