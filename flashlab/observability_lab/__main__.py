"""``make lab-observability``: the roadmap's phase 2. The same burst on a naive sale and on a batched one,
each seen on the template's dashboard; rewrites docs/lab/phase-2-observability.md.

    python -m flashlab.observability_lab [--units 1500] [--clients 32] [--out docs/lab]

One embedded stack (template defaults). Each run sells ``--units`` units to as many buyers (backlog
shedding off), waits for the queue to drain, reads the run's
numbers back from the stack's CloudWatch, samples ``make locks``' query throughout, and draws the
dashboard. Prints the table and ends with a RESULT line.
"""

import argparse
import sys
from pathlib import Path

from flashlab import REPO_ROOT
from flashlab.observability_lab.page import write_page
from flashlab.observability_lab.runs import Run, run, warm_up
from flashlab.stack_process import api_under_test

LAB = REPO_ROOT / "docs" / "lab"
STRATEGIES = ("naive", "batched")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m flashlab.observability_lab",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--units", type=int, default=3000, help="units on sale, and orders (default 3000)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="template override")
    parser.add_argument("--out", type=Path, default=LAB, help="where the page and its images go (default docs/lab)")
    args = parser.parse_args(argv)
    if args.units < 1:
        parser.error("--units must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    images = args.out / "img"
    runs: list[Run] = []
    with api_under_test(None, "local-admin", None, *(f"--param={p}" for p in args.param)) as stack:
        warm_up(stack)
        for strategy in STRATEGIES:
            runs.append(run(stack, strategy, args.units, images))
    page, table = write_page(runs, args)
    print(table)
    print(f"page: {page}")
    naive, batched = (r.readings for r in runs)
    print(
        "RESULT "
        + " ".join(
            f"{r.strategy}_{name}={value:.0f}"
            for r in runs
            for name, value in (
                ("pg_ms_per_batch_p99", r.readings["Postgres time per batch p99 (ms)"] or 0),
                ("settle_lag_p99_ms", r.readings["settle lag p99 (ms)"] or 0),
                ("lock_waiters_peak", r.peak_lock_waiters),
            )
        )
        + f" oversold={max(max(r.settled.get('CONFIRMED', 0) - args.units, 0) for r in runs)}"
    )
    every_order_confirmed = all(r.settled.get("CONFIRMED", 0) == r.queued for r in runs)
    return 0 if every_order_confirmed and naive and batched else 1


if __name__ == "__main__":
    sys.exit(main())
