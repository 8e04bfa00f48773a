"""The CDK app: for each stage (infra/stages.py), its stack and its account's API Gateway
stack. `make synth` runs it offline.

    python -m infra.app [--outdir cdk.out]

Every stack is built from the stage's settings in the repository and nothing else: the same
commit synthesizes the same templates on any machine, whatever its environment holds.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import fcntl
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
from infra.stages import (
    ANCHOR_JWKS,
    FEDERATION_DIRECTORY,
    PYTHON_RUNTIME,
    SYNTH_STAGES,
    Stage,
    anchor,
    directory,
    selected,
    stages,
)

PACKAGED_SCHEMAS = PROJECT / "chalicelib" / "_schemas"
# Where Chalice's construct writes each stack's package (under the working directory).
CHALICE_OUT = PROJECT / "chalice.out"
SYNTH_LOCK = PROJECT / ".local" / "synth.lock"


def copy_schemas() -> None:
    """Chalice ships only app.py and chalicelib/: the schemas travel inside chalicelib/."""
    shutil.rmtree(PACKAGED_SCHEMAS, ignore_errors=True)
    shutil.copytree(PROJECT / "schemas", PACKAGED_SCHEMAS)


def write_directory(listed: tuple[Stage, ...]) -> None:
    """The federation's directory travels inside chalicelib/ too (FEDERATION_DIRECTORY_FILE)."""
    path = PROJECT / FEDERATION_DIRECTORY
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(directory(listed), ensure_ascii=False, indent=1), encoding="utf-8")
    # The anchor's directory keys, which every stage pins (FEDERATION_ANCHOR_JWKS_FILE).
    keys = {"keys": anchor()["keys"]}
    (PROJECT / ANCHOR_JWKS).write_text(json.dumps(keys, ensure_ascii=False, indent=1), encoding="utf-8")


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


def drop_package_copies() -> None:
    """The app is packaged once: Chalice builds the deployment package the first time and reuses
    it (.chalice/deployments/, keyed by the project's hash), and the CDK stages one asset for
    every stack, as their contents are the same. Chalice's construct also leaves each stack a
    copy of the package in chalice.out/ (26 MB each): once the stack's asset is staged, the copy
    serves nothing, and 101 of them would take 2.6 GB."""
    for copy in CHALICE_OUT.glob("*/deployment.zip"):
        copy.unlink()


def build(
    outdir: str, listed: tuple[Stage, ...], federation: tuple[Stage, ...] | None = None
) -> tuple[cdk.App, list[ProofFreeCityStack]]:
    """The stacks of the stages listed; each ships the directory of the whole federation."""
    require_runtime(sys.version_info[:2])
    copy_schemas()
    write_trimmed_endpoints()  # cut from the botocore that chalice packages (the same pin)
    write_directory(federation or listed)
    compile_bytecode()
    shutil.rmtree(CHALICE_OUT, ignore_errors=True)
    app = cdk.App(outdir=outdir)
    stacks = []
    for stage in listed:
        # A deployed stage's stacks name its account; a planned one's stay account-agnostic.
        env = cdk.Environment(account=stage.account or None, region=stage.region)
        account_stack = ApiGatewayAccountStack(app, stage, env=env)
        acknowledge_account(account_stack)
        # chalice package asks botocore for the partition of the region it packages for.
        os.environ["AWS_DEFAULT_REGION"] = stage.region
        stack = ProofFreeCityStack(app, stage, env=env)
        stack.add_stack_dependency(account_stack, "API Gateway's logging role is set before the API's stage")
        acknowledge(stack)
        stacks.append(stack)
        drop_package_copies()
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stacks


@contextlib.contextmanager
def one_synth_at_a_time():
    """A synth writes into the project (chalicelib/_federation, _schemas, chalice.out/) before it
    packages it: two at once (make synth beside make test, or two test workers) would package
    each other's stages' directory. The second waits for the first."""
    SYNTH_LOCK.parent.mkdir(exist_ok=True)
    with SYNTH_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outdir", default=os.environ.get("CDK_OUTDIR", str(PROJECT / "cdk.out")))
    named = [name for name in os.environ.get(SYNTH_STAGES, "").split(",") if name]
    parser.add_argument("--stage", action="append", default=named, help="only this stage (repeatable)")
    parser.add_argument("--city", action="append", default=[], help="only this city and its counties")
    args = parser.parse_args()
    # chalice package writes chalice.out/ under the working directory: keep it in the project.
    os.chdir(PROJECT)
    federation = stages()
    listed = selected(federation, args.stage, args.city)
    with one_synth_at_a_time():
        app, _ = build(args.outdir, listed, federation)
        app.synth()
    print(f"synthesized {len(listed)} stages, each with its account stack, into {Path(args.outdir)}")


if __name__ == "__main__":
    main()
