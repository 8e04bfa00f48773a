"""`chalice local`, built from Chalice's own local-server classes, with a listen backlog fit
for bursts: the CLI's server keeps socketserver's default of 5 pending connections, and
resets the rest when a mobile client's retries arrive together."""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from typing import Any
from urllib.parse import urlsplit

from chalice import local
from chalice.cli.factory import CLIFactory

from chalicelib.api.errors import NO_ROUTE, error_body
from chalicelib.observability import masked_path
from infra.local import stage
from infra.local.stack import PROJECT


class BurstTolerantServer(local.ThreadedHTTPServer):
    request_queue_size = 256


class ContractRequestHandler(local.ChaliceRequestHandler):
    """Answers a path no route matches as the deployed stages do (a gateway response set in
    the CDK stack): 404 with the contract's error body, not API Gateway's bare 403."""

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, QUERY, ...) reaches the app, which answers 405 in the
        # contract's format; Python's server would answer 501 for a method it has no do_ for.
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:  # noqa: ARG002
        # The method and path only: a query string may carry a name searched on the board, and
        # a path an ID number put where an id goes (masked).
        self.log_message('"%s %s" %s', self.command, masked_path(urlsplit(self.path).path), code)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: ARG002 - the base class signature
        # The base class's messages quote the raw request line.
        self.log_message("request refused by the HTTP server")

    def _send_error_response(self, error: local.LocalGatewayException) -> None:
        if isinstance(error, local.ForbiddenError) and b"Missing Authentication Token" in (error.body or b""):
            body = json.dumps(error_body(*NO_ROUTE), ensure_ascii=False).encode()
            self._send_http_response(404, {"Content-Type": "application/json; charset=utf-8"}, body)
            return
        super()._send_error_response(error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="local")
    parser.add_argument("--with-jobs", action="store_true", help="prepare the stage and run its jobs")
    args = parser.parse_args()
    stop_jobs = threading.Event()
    if args.with_jobs:
        stage.prepare()
        worker = threading.Thread(target=stage.run_jobs, args=(stop_jobs,), daemon=True)
        worker.start()

        def stop(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal handler signature
            stop_jobs.set()
            worker.join(timeout=30)  # let a round in progress finish before the services go
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    config = CLIFactory(project_dir=str(PROJECT), environ=dict(os.environ)).create_config_obj(
        chalice_stage_name=args.stage
    )
    app = config.chalice_app
    # As chalice.local.create_local_server does: request state kept per thread (LocalChalice).
    local.CustomLocalChalice.__bases__ = (local.LocalChalice, app.__class__)
    app.__class__ = local.CustomLocalChalice
    server = local.LocalDevServer(
        app, config, args.host, args.port, handler_cls=ContractRequestHandler, server_cls=BurstTolerantServer
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
