"""`make run` as a child process on free ports, for the e2e tests and the benchmarks."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

from infra.local import run, stack


@contextlib.contextmanager
def launcher(state: Path) -> Iterator[dict[str, Any]]:
    """The `make run` launcher on free ports with its own data folder. Yields its base URL (stage
    `local`), its peer stage's, its process, log path and ports; stops it with SIGINT, as Ctrl-C
    would."""
    ports = {name: stack.free_port() for name in ("api", "peer", "dynamodb", "moto")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    command = [sys.executable, "-m", "infra.local.run", "--state-dir", str(state)]
    for name, port in ports.items():
        command += [f"--{name}-port", str(port)]
    base = f"http://127.0.0.1:{ports['api']}"
    peer = f"http://127.0.0.1:{ports['peer']}"
    with (state / "run.log").open("wb") as log:
        proc = subprocess.Popen(command, cwd=stack.PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while not (answers(f"{base}/stats") and answers(f"{peer}/stats")):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((state / "run.log").read_text())
                time.sleep(0.5)
            yield {"base": base, "peer": peer, "process": proc, "log": state / "run.log", "ports": ports}
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=30)


def answers(url: str) -> bool:
    """Whether `url` answers 200 now (a server that is up)."""
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


class Stages:
    """Stages served as `make run` serves them (infra/local/run.py), one process each, so a test
    can stop a stage and start it again while the others go on."""

    def __init__(self, state: Path, names: tuple[str, ...]) -> None:
        self.state = state
        self.ports = {name: stack.free_port() for name in names}
        self.base = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        self.envs: dict[str, dict[str, str]] = {}
        self.servers: dict[str, subprocess.Popen] = {}
        self.moto = ""  # moto server's URL (SNS, SQS)

    def start(self, name: str) -> None:
        self.servers[name] = run.serve(self.envs[name], self.ports[name])
        deadline = time.monotonic() + 120
        while not answers(f"{self.base[name]}/stats"):
            if self.servers[name].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"stage {name} did not start")
            time.sleep(0.3)

    def stop(self, name: str) -> None:
        server = self.servers.pop(name)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=40)


@contextlib.contextmanager
def stages(
    state: Path,
    names: tuple[str, ...] = ("local", "peer"),
    queue_retention: int = run.QUEUE_RETENTION,
    listed: tuple[str, ...] | None = None,
) -> Iterator[Stages]:
    """DynamoDB Local and moto, and each named stage served on a free port, as `make run` does
    (its delivery queue keeping messages `queue_retention` seconds), federated with the others:
    the first is the anchor, and the directory it signs first lists the `listed` stages (all by
    default). Everything stops on exit."""
    services = stack.start(stack.free_port(), stack.free_port(), state / "dynamodb", state / "logs")
    saved = dict(os.environ)
    served = Stages(state, names)
    try:
        os.environ.update({**services.env, "POWERTOOLS_METRICS_DISABLED": "true"})
        served.envs = run.federate(served.ports, state, queue_retention, listed)
        served.moto = services.env["AWS_ENDPOINT_URL_SNS"]
        for name in names:
            served.start(name)
        yield served
    finally:
        for name in list(served.servers):
            served.stop(name)
        os.environ.clear()
        os.environ.update(saved)
        services.stop()
