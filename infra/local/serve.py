"""`chalice local`, built from Chalice's own local-server classes, with a listen backlog fit
for bursts: the CLI's server keeps socketserver's default of 5 pending connections, and
resets the rest when a mobile client's retries arrive together."""

from __future__ import annotations

import argparse
import os

from chalice import local
from chalice.cli.factory import CLIFactory

from infra.local.stack import PROJECT


class BurstTolerantServer(local.ThreadedHTTPServer):
    request_queue_size = 256


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="local")
    args = parser.parse_args()
    config = CLIFactory(project_dir=str(PROJECT), environ=dict(os.environ)).create_config_obj(
        chalice_stage_name=args.stage
    )
    app = config.chalice_app
    # As chalice.local.create_local_server does: request state kept per thread (LocalChalice).
    local.CustomLocalChalice.__bases__ = (local.LocalChalice, app.__class__)
    app.__class__ = local.CustomLocalChalice
    server = local.LocalDevServer(app, config, args.host, args.port, server_cls=BurstTolerantServer)
    server.serve_forever()


if __name__ == "__main__":
    main()
