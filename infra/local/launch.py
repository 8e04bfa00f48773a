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

from infra.local import stack


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
            while not (_answers(f"{base}/stats") and _answers(f"{peer}/stats")):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((state / "run.log").read_text())
                time.sleep(0.5)
            yield {"base": base, "peer": peer, "process": proc, "log": state / "run.log", "ports": ports}
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False
