"""``make bench-front``: the API tier's speed and fairness, with the AWS calls each order costs.

    python -m flashlab.front_bench [--sequential 100] [--buyers 3000] [--inventory 1000] [--clients 48]
                                   [--url URL] [--plot PATH] [--param Name=Value ...]

Without --url it starts the embedded stack (template defaults, or --param overrides). Three phases:
one buyer at a time on a large sale (sequential accept latency), a closed loop of --clients buyers on a
sale of --inventory units, then sold-out answers one at a time. Prints a table and ends with the RESULT
line; the exit status is 0 only if every target is met.
"""

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

from flashlab import REPO_ROOT
from flashlab.demo import create_sale
from flashlab.front_bench import cpu_budget, drive
from flashlab.front_bench.report import FrontResult, plot, result_line, table, to_json
from flashlab.stack_process import api_under_test

API = "OrderApiFunction"
DEFAULT_PLOT = REPO_ROOT / ".flashlab" / "bench-front.png"
DEFAULT_JSON = REPO_ROOT / "docs" / "lab" / "front-door.json"  # an input of `make capacity`


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m flashlab.front_bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sequential", type=int, default=100, help="orders placed one at a time (default 100)")
    parser.add_argument("--buyers", type=int, default=3000, help="buyers in the burst (default 3000)")
    parser.add_argument("--inventory", type=int, default=1000, help="units on sale in the burst (default 1000)")
    parser.add_argument("--clients", type=int, default=48, help="concurrent clients in the burst (default 48)")
    parser.add_argument("--url", help="an already running FlashDeal API (default: start the embedded stack)")
    parser.add_argument("--admin-token", default="local-admin")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="template override")
    parser.add_argument("--plot", type=Path, default=DEFAULT_PLOT)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="measured numbers, for make capacity")
    args = parser.parse_args(argv)
    for name in ("sequential", "buyers", "inventory", "clients"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return args


def per_order(calls: dict[str, int], orders: int) -> dict[str, float]:
    return {op: n / orders for op, n in calls.items()} if orders else {}


def measure(url: str, token: str, args: argparse.Namespace) -> FrontResult:
    large = create_sale(url, token, args.inventory * 100 + args.sequential, 8)["sale_id"]
    asyncio.run(drive.one_at_a_time(url, large, 10, "warm"))  # cold starts are not what this measures
    before = drive.local_stats(url)
    sequential, cpu_sequential = cpu_budget.spent(
        url, lambda: asyncio.run(drive.one_at_a_time(url, large, args.sequential, "one"))
    )
    accepts = sum(a.status == 202 for a in sequential)
    calls_per_accept = per_order(drive.calls_between(before, drive.local_stats(url), API), accepts)
    print(f"  sequential: {accepts}/{args.sequential} accepted", flush=True)

    sale = create_sale(url, token, args.inventory, 8)["sale_id"]
    burst, cpu_burst = cpu_budget.spent(
        url, lambda: asyncio.run(drive.closed_loop(url, sale, args.buyers, args.clients))
    )
    print(f"  burst: {sum(a.status == 202 for a in burst):,} of {len(burst):,} accepted", flush=True)

    calls_per_rejection: dict[str, float] = {}
    cpu_rejection = None
    if asyncio.run(drive.wait_sold_out(url, sale)):
        before = drive.local_stats(url)
        late, cpu_late = cpu_budget.spent(url, lambda: asyncio.run(drive.one_at_a_time(url, sale, 50, "late")))
        rejections = sum(a.status == 409 for a in late)
        calls_per_rejection = per_order(drive.calls_between(before, drive.local_stats(url), API), rejections)
        cpu_rejection = cpu_late.per_order_ms(rejections) if cpu_late is not None else None
    return FrontResult(
        sequential, burst, calls_per_accept, calls_per_rejection, cpu_sequential, cpu_burst, cpu_rejection
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    begun = time.perf_counter()
    with api_under_test(args.url, args.admin_token, None, *(f"--param={p}" for p in args.param)) as api:
        result = measure(api.api_url, api.admin_token, args)
    print(table(result, args.clients))
    plot(result, args.plot, f"{args.buyers:,} buyers for {args.inventory:,} units, {args.clients} clients")
    if result.cpu_sequential is not None:  # calls and CPU are counted inside the embedded stack only
        args.json.write_text(json.dumps(to_json(result), indent=1) + "\n")
        print(f"numbers: {args.json}")
    print(f"plot: {args.plot}   ({time.perf_counter() - begun:.0f} s in all)")
    print(result_line(result))
    return 0 if all(result.met().values()) else 1


if __name__ == "__main__":
    sys.exit(main())
