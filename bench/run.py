"""`make bench`: every benchmark in one run, printed as tables with their targets.

    python -m bench.run [--runs 200] [--sizes 1000 100000] [--alerts 100] [--federated 30]
        [--log-size 1000000]

Exits 1 when a target is missed, so a regression shows. `make bench` keeps what it printed in
docs/benchmarks-latest.txt: the current figures, which docs/benchmarks.md explains.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    alert_latency,
    capacity,
    cold_first,
    cold_start,
    federation,
    federation_capacity,
    prices,
    province_cost,
    transparency,
    warm,
    world,
)
from chalicelib.adapters.pages import SEARCH_WINDOW
from infra.local import stack


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    print("Proof-Free City benchmarks (DynamoDB Local, moto server; docs/benchmarks.md explains each)")
    print(f"run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {_machine()}\n", flush=True)
    misses = []
    imports = args.fresh or cold_start.RUNS
    misses += _print_cold_start(cold_start.measure(imports), imports)
    fresh = args.fresh or cold_first.RUNS
    capacities, overheads, colds, crossing, logged, province = _measure_requests(
        args.sizes, args.runs, args.log_size, fresh
    )
    misses += _print_cold_first(colds, args.sizes[-1], cold_first.deployed_clients(fresh), fresh)
    misses += _print_overheads(overheads, args.sizes[-1], args.runs)
    misses += _print_capacities(capacities, args.sizes)
    alerts = alert_latency.measure(world.token("agency", unit_id="hz-rsj"), world.RELAY_BODY, args.alerts)
    misses += _print_alerts(alerts)
    misses += _print_federation(federation.measure(args.federated), crossing)
    misses += _print_transparency(logged)
    _print_costs(capacities[args.sizes[-1]][: len(overheads)], overheads)
    misses += _print_province(province)
    print("\n" + ("all targets met" if not misses else "targets missed: " + "; ".join(misses)))
    return 1 if misses else 0


def _machine() -> str:
    """What the figures were measured on: they vary with it."""
    return f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=200, help="timed requests per operation")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000], help="catalogue sizes")
    parser.add_argument("--alerts", type=int, default=100, help="requests whose alerts are timed")
    parser.add_argument("--federated", type=int, default=30, help="cross-stage requests timed")
    parser.add_argument(
        "--log-size", type=int, default=transparency.MILLION, help="trail events of the simulated log"
    )
    parser.add_argument(
        "--fresh",
        type=int,
        default=None,
        help=f"fresh processes per cold measure (default {cold_start.RUNS} for the import, "
        f"{cold_first.RUNS} for the first response)",
    )
    return parser.parse_args(argv)


def _measure_requests(
    sizes: list[int], runs: int, log_size: int, fresh: int
) -> tuple[
    dict[int, list[capacity.Capacity]],
    list[warm.Overhead],
    list[cold_first.ColdFirst],
    dict[str, dict[str, float]],
    dict[str, Any],
    province_cost.Province,
]:
    """Capacity at every catalogue size; timings at the largest; the capacity of a request's life
    on one stage and across two; what the transparency log costs. One local stack, fresh tables
    for each."""
    from chalice.test import Client

    from app import app

    capacities: dict[int, list[capacity.Capacity]] = {}
    overheads: list[warm.Overhead] = []
    colds: list[cold_first.ColdFirst] = []
    with tempfile.TemporaryDirectory() as logs:
        services = stack.start(stack.free_port(), stack.free_port(), None, Path(logs))
        try:
            for size in sizes:
                world.enter(services.env, f"catalogue-{size}")
                print(f"loading a {size:,}-item catalogue ...", flush=True)
                world.build(size)
                with _app_logs_silenced(), Client(app, stage_name="local") as client:
                    operations = world.operations(lambda path: json.loads(client.http.get(path).body))
                    measured = [*operations, *world.searches()]
                    capacities[size] = [capacity.measure(client, op) for op in measured]
                    if size == sizes[-1]:
                        overheads = [warm.measure(client, op, runs) for op in operations]
                        cold = [op for op in operations if op.name in cold_first.TARGETS]
                        colds = [cold_first.measure(app, client, op, fresh) for op in cold]
            with _app_logs_silenced(), tempfile.TemporaryDirectory() as keys:
                crossing = federation_capacity.measure(services.env, Path(keys))
            print("timing the transparency log (a million events, simulated) ...", flush=True)
            with _app_logs_silenced():
                logged = transparency.measure(services.env, log_size)
            print("synthesizing a county and the anchor, and running their schedules idle ...", flush=True)
            with _app_logs_silenced():
                province = province_cost.measure(services.env, min(runs, province_cost.RUNS))
        finally:
            services.stop()
    return capacities, overheads, colds, crossing, logged, province


@contextlib.contextmanager
def _app_logs_silenced() -> Iterator[None]:
    """The app logs each request to the process's stdout (as Lambda wants); the benchmark keeps
    that work in the timings but sends its output to /dev/null instead of the table."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def _table(header: list[str], rows: list[list[Any]]) -> None:
    cells = [header, *[[str(c) for c in row] for row in rows]]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        print("  " + "  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)))


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)  # CJK characters take two columns


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _print_cold_start(result: cold_start.ColdStart, runs: int) -> list[str]:
    print(f"Cold start: import wall time, median of {runs} fresh processes each (bytecode compiled)")
    ratio_ok = result.ratio <= cold_start.TARGET_RATIO
    built = {k: v for k, v in result.left_at_import.items() if v}
    _table(
        ["measure", "figure", "target", ""],
        [
            ["import app", f"{result.app_seconds * 1000:.0f} ms", "", ""],
            [f"floor: import {cold_start.LIBRARIES}", f"{result.floor_seconds * 1000:.0f} ms", "", ""],
            ["app / floor", f"{result.ratio:.2f}", f"<= {cold_start.TARGET_RATIO}", _verdict(ratio_ok)],
            [
                f"(package roots: import {cold_start.PACKAGE_ROOTS})",
                f"{result.roots_seconds * 1000:.0f} ms",
                "",
                "",
            ],
            ["(app / package roots)", f"{result.ratio_to_roots:.2f}", "", ""],
            [
                "AWS clients, connections, sessions, schemas built at import",
                ", ".join(f"{k} {v}" for k, v in built.items()) or "none",
                "none",
                _verdict(result.nothing_built_at_import),
            ],
        ],
    )
    misses = [] if ratio_ok else [f"cold start ratio {result.ratio:.2f}"]
    return misses + ([] if result.nothing_built_at_import else ["something built at import"])


def _print_cold_first(
    colds: list[cold_first.ColdFirst], size: int, clients: tuple[float, float], runs: int
) -> list[str]:
    print(
        f"\nCold first response: process start to first response, median of {runs} fresh"
        f" processes each, taking turns, {size:,} items"
    )
    rows, misses = [], []
    for cold in colds:
        ok = cold.ratio <= cold.target
        misses += [] if ok else [f"{cold.operation} cold first response ratio {cold.ratio:.2f}"]
        parts = [
            f"{side.total * 1000:.0f} ms ({side.imported * 1000:.0f} + {side.first * 1000:.0f})"
            for side in (cold.app, cold.bare)
        ]
        rows.append([cold.operation, *parts, f"{cold.ratio:.2f}", f"<= {cold.target}", _verdict(ok)])
    _table(
        ["operation", "app (import + first request)", "bare boto3 (import + first)", "ratio", "target", ""],
        rows,
    )
    print("  (each total also holds the interpreter's own start, the same on both sides)")
    services = ", ".join(cold_first.DEPLOYED_CLIENTS)
    print(
        f"  A deployed stage's first write also builds KMS and Secrets Manager clients: building {services}"
        f" after the import takes the app {clients[0] * 1000:.0f} ms, boto3.client {clients[1] * 1000:.0f} ms"
    )
    return misses


def _print_overheads(overheads: list[warm.Overhead], size: int, runs: int) -> list[str]:
    print(f"\nWarm requests: chalice.test.Client vs a bare boto3 handler, {runs} each, {size:,} items")
    rows, misses = [], []
    for o in overheads:
        ok = o.p50_ratio <= warm.TARGET_P50_RATIO
        misses += [] if ok else [f"{o.operation} p50 ratio {o.p50_ratio:.2f}"]
        ms = [f"{t * 1000:.1f} ms" for t in (o.app.p50, o.app.p95, o.bare.p50, o.bare.p95)]
        rows.append(
            [o.operation, *ms, f"{o.p50_ratio:.2f}", f"<= {warm.TARGET_P50_RATIO}", _verdict(ok), o.calls]
        )
    _table(
        [
            "operation",
            "app p50",
            "app p95",
            "bare p50",
            "bare p95",
            "p50 ratio",
            "target",
            "",
            "DynamoDB calls",
        ],
        rows,
    )
    return misses


def _print_capacities(capacities: dict[int, list[capacity.Capacity]], sizes: list[int]) -> list[str]:
    print("\nDynamoDB capacity per request (ReturnConsumedCapacity=TOTAL: table and indexes)")
    sized = [f"RCU / WCU at {size:,}" for size in sizes]
    header = ["operation", *sized, "same at every size", "WCU billed (*)", "target", ""]
    rows, misses = [], []
    for i, first in enumerate(capacities[sizes[0]]):
        figures = [
            (
                capacities[size][i].read_units,
                capacities[size][i].write_units,
                capacities[size][i].billed_write_units,
            )
            for size in sizes
        ]
        same = len(set(figures)) == 1
        target, ok = "", True
        if "search" in first.operation:
            target = f"reads <= {SEARCH_WINDOW} items"
        if first.operation == "proof lookup":
            target = f"<= {capacity.PROOF_LOOKUP_MAX_RCU} RCU"
            ok = max(reads for reads, _, _ in figures) <= capacity.PROOF_LOOKUP_MAX_RCU
        misses += [] if same else [f"{first.operation} capacity grows with the catalogue"]
        misses += [] if ok else [f"{first.operation} {figures[-1][0]} RCU"]
        cells = [f"{reads:g} / {writes:g}" for reads, writes, _ in figures]
        billed = f"{figures[-1][2]:g}"
        rows.append([first.operation, *cells, "yes" if same else "NO", billed, target, _verdict(same and ok)])
    _table(header, rows)
    print("  (*) DynamoDB Local under-reports transactions; billed: worked out from their items (billing.py)")
    return misses


def _print_alerts(alerts: dict[str, float]) -> list[str]:
    print(f"\nAlert latency under make run: POST to message in a subscribed queue, {alerts['sent']} requests")
    ok = alerts["arrived"] == alerts["sent"] and alerts["p95"] <= alert_latency.TARGET_P95_SECONDS
    _table(
        ["arrived", "p50", "p95", "max", "target", ""],
        [
            [
                f"{alerts['arrived']}/{alerts['sent']}",
                f"{alerts['p50']:.2f} s",
                f"{alerts['p95']:.2f} s",
                f"{alerts['max']:.2f} s",
                f"p95 <= {alert_latency.TARGET_P95_SECONDS} s",
                _verdict(ok),
            ]
        ],
    )
    return [] if ok else [f"alert p95 {alerts['p95']:.2f} s"]


def _print_federation(result: dict[str, Any], capacities: dict[str, dict[str, float]]) -> list[str]:
    target = federation.TARGET_P95_SECONDS
    print(f"\nFederation under make run (stages local and peer), {result['sent']} cross-stage requests")
    rows, misses = [], []
    for key, what in (
        ("requested", "cross-stage request -> target's alert (peer topic)"),
        ("answered", "target's response -> requester's stage shows it"),
    ):
        spread = result[key]
        ok = spread["arrived"] == result["sent"] and spread["p95"] <= target
        rows.append(
            [what, f"{spread['p50']:.2f} s", f"{spread['p95']:.2f} s", f"p95 <= {target} s", _verdict(ok)]
        )
        misses += [] if ok else [f"{key} p95 {spread['p95']:.2f} s"]
    _table(["measure", "p50", "p95", "target", ""], rows)
    print(
        f"  KMS Sign calls per cross-stage request (created, accepted, completed): {result['signatures']:.0f}"
        " (one per trail event, one per message, one per receipt; GetPublicKey once per container)"
    )
    print("  DynamoDB capacity of a request's life (created, accepted, completed, its alerts and messages):")
    _table(
        ["", "RCU", "WCU billed"],
        [
            [name, f"{figures['read units']:g}", f"{figures['billed write units']:g}"]
            for name, figures in (
                ("one stage", capacities["one stage"]),
                ("cross-stage, both stages", capacities["cross-stage"]),
                ("extra for crossing", capacities["extra"]),
            )
        ],
    )
    return misses


def _print_transparency(result: dict[str, Any]) -> list[str]:
    simulated = result["simulated events (n)"]
    print(
        f"\nTransparency log: {result['events']} trail events on DynamoDB Local; n = {simulated:,} simulated"
    )
    bound = result["log2(n)"]  # proofs stay logarithmic: hashes and stored subtrees read
    targets = {
        "KMS Sign per event (beyond the event's own)": 0,
        "KMS Sign per checkpoint": 1,
        "checkpoint root reads at n": 2 * bound,
        "inclusion hashes at n (max)": bound,
        "inclusion reads at n (max)": 2 * bound,
        "consistency hashes at n (max)": 2 * bound,
        "consistency reads at n (max)": 2 * bound,
    }
    rows, misses = [], []
    for name, value in result.items():
        if name in ("events", "log2(n)", "simulated events (n)"):
            continue
        target = targets.get(name)
        ok = target is None or value <= target
        shown = (
            f"{value * 1000:.3f} ms"
            if "(s" in name
            else f"{value:,}"
            if isinstance(value, int)
            else f"{value:.2f}"
        )
        limit = "" if target is None else f"<= {target}"
        rows.append([name, shown, limit, "" if target is None else _verdict(ok)])
        misses += [] if ok else [f"transparency: {name} {value:g}"]
    _table(["measure", "figure", "target", ""], rows)
    print("  (a checkpoint's time is that of its root from stored subtrees; in AWS add a BatchGetItem and")
    print("   one KMS Sign, a few tens of ms, whatever the size of the log)")
    return misses


def _print_costs(capacities: list[capacity.Capacity], overheads: list[warm.Overhead]) -> None:
    memory = f"{prices.LAMBDA_MEMORY_GB * 1024:.0f} MB"
    print(
        f"\nCost per million requests: Lambda {memory} for the app p50 above, plus DynamoDB on-demand "
        "for the read units and the billed write units above"
    )
    timings = {o.operation: o.app.p50 for o in overheads}
    rows = []
    for c in capacities:
        seconds = timings[c.operation]
        costs = [
            f"{t.symbol}{t.per_million(seconds, c.read_units, c.billed_write_units):.2f}"
            for t in prices.TABLES
        ]
        rows.append([c.operation, *costs])
    _table(["operation", *[f"{t.symbol} ({t.region})" for t in prices.TABLES]], rows)
    for t in prices.TABLES:
        print(
            f"  {t.symbol}: Lambda {t.symbol}{t.lambda_per_gb_second} per GB-s and {t.symbol}"
            f"{t.lambda_per_million_requests} per million requests; DynamoDB {t.symbol}"
            f"{t.dynamodb_per_million_write_units:.4g} per million WRU, {t.symbol}"
            f"{t.dynamodb_per_million_read_units:.4g} per million RRU. Source: {t.source}."
        )


def _print_province(province: province_cost.Province) -> list[str]:
    county = province_cost.COUNTY
    print(
        f"\nWhat the province costs with nobody using it: one idle stage a month ({county}, synthesized), "
        "China list prices (est.: estimated, docs/benchmarks.md); after free tier: after the CloudWatch "
        "free tier of the stage's own account"
    )
    rows = [[item.what, f"¥{item.yuan:.2f}", f"¥{item.after_free_tier:.2f}"] for item in province.county]
    rows.append(["one stage, idle", f"¥{province.stage_month():.2f}", f"¥{province.stage_month(True):.2f}"])
    rows += [
        [item.what, f"¥{item.yuan:.2f}", f"¥{item.after_free_tier:.2f}"] for item in province.anchor_extra
    ]
    rows.append(
        [
            f"the province: {province.stages} stages, idle",
            f"¥{province.province_month():,.0f}",
            f"¥{province.province_month(True):,.0f}",
        ]
    )
    _table(["a month", "list", "after free tier"], rows)
    print(
        "  prices: "
        + "; ".join(f"{name} ¥{p.yuan:.4g} ({p.source})" for name, p in province_cost.PRICES.items())
    )
    target = province_cost.IDLE_SCHEDULE_TARGET
    misses = []
    print(f"\nEach schedule with nothing to do: its month on one stage (target ≤ ¥{target:.2f} each)")
    rows = []
    for run in province.runs:
        item = next(i for i in province.county if i.what.startswith(run.function + ":"))
        ok = item.yuan <= target
        misses += [] if ok else [f"idle {run.function} ¥{item.yuan:.2f}"]
        metrics = ", ".join(sorted(run.metrics)) or "none"
        rows.append(
            [
                run.function,
                f"{run.runs_a_month:,}",
                f"{run.billed_ms:.0f} ms",
                f"{run.read_units:.1f}",
                f"{run.log_bytes} B",
                metrics,
                f"¥{item.yuan:.2f}",
                _verdict(ok),
            ]
        )
    _table(["function", "runs", "billed", "RRU", "log", "metrics printed", "a month", ""], rows)
    print(f"\nFederation messages a day at {province.stages} stages")
    _table(["", "a day"], [[what, f"{count:,}"] for what, count in province.messages.items()])
    return misses


if __name__ == "__main__":
    sys.exit(main())
