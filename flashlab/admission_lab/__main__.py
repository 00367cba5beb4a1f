"""The admission lab: the pages of the roadmap's phases 3, 4 and 7, each from one command.

    python -m flashlab.admission_lab overload [--buyers 3000] [--inventory 300] [--clients 48]
    python -m flashlab.admission_lab async [--buyers 1000] [--clients 16] [--slow-ms 200]
    python -m flashlab.admission_lab abuse [--buyers 800] [--inventory 5000] [--clients 16] [--bots 4]
                                           [--bot-clients 16]

``overload`` (make lab-admission): a 10x-oversubscribed burst on one embedded stack, backlog shedding off,
then on; writes docs/lab/phase-3-admission-control.md. ``async`` (make lab-async): the same burst twice,
the second with Postgres slowed per order; writes docs/lab/phase-4-async.md. ``abuse`` (make
lab-hardening): honest buyers while bots send orders back to back, on three stacks (no per-buyer
protection; the per-buyer limit and shedding; and the WAF rule too); writes
docs/lab/phase-7-hardening.md. Each prints its table and ends with a RESULT line.
"""

import argparse
import sys
from collections import Counter
from pathlib import Path

from flashlab import REPO_ROOT
from flashlab.admission_lab import pages
from flashlab.admission_lab.report import kind
from flashlab.admission_lab.runs import Load, Run, run
from flashlab.percentiles import percentile
from flashlab.stack_process import api_under_test

LAB = REPO_ROOT / "docs" / "lab"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m flashlab.admission_lab",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenario", choices=["overload", "async", "abuse"])
    parser.add_argument("--slow-ms", type=int, default=200, help="async: ms Postgres adds per order (default 200)")
    parser.add_argument("--buyers", type=int, help="honest buyers (overload 3000, async 1000, abuse 800)")
    parser.add_argument("--inventory", type=int, help="units on sale (overload 300, async 100000, abuse 5000)")
    parser.add_argument("--clients", type=int, help="honest buyers' connections (overload 48, async 16, abuse 16)")
    parser.add_argument("--bots", type=int, default=4, help="abusive buyer identities (abuse; default 4)")
    parser.add_argument("--bot-clients", type=int, default=16, help="their connections (abuse; default 16)")
    parser.add_argument("--out", type=Path, default=LAB, help="where the page and its plots go (default docs/lab)")
    args = parser.parse_args(argv)
    defaults = {"overload": (3000, 300, 48), "async": (1000, 100_000, 16), "abuse": (800, 5000, 16)}[args.scenario]
    for name, default in zip(("buyers", "inventory", "clients"), defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, default)
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.bots < 1 or args.bot_clients < 1:
        parser.error("--bots and --bot-clients must be at least 1")
    return args


def overload(args: argparse.Namespace) -> list[Run]:
    with api_under_test(None, "local-admin", None) as stack:
        return [
            run(stack, label, args.inventory, margin, Load(args.buyers, args.clients))
            for label, margin in (("shedding off", "off"), ("shedding on (margin 0)", 0))
        ]


def slow_postgres(args: argparse.Namespace) -> list[Run]:
    with api_under_test(None, "local-admin", None) as stack:
        return [
            run(stack, label, args.inventory, 0, Load(args.buyers, args.clients), slow_ms=slow)
            for label, slow in (("Postgres as it is", 0), (f"Postgres +{args.slow_ms} ms per order", args.slow_ms))
        ]


ABUSE_SETUPS: list[tuple[str, list[str], str | int]] = [  # label, template overrides, the sale's backlog margin
    ("no per-buyer protection", ["BuyerRequestsPerMinute=0"], "off"),
    ("per-buyer limit 10/min", ["BuyerRequestsPerMinute=10"], 0),
    ("+ WAF 30/min per token", ["BuyerRequestsPerMinute=10", "WafRequestsPerClient=30"], 0),
]


def abuse(args: argparse.Namespace) -> list[Run]:
    runs = []
    for label, params, margin in ABUSE_SETUPS:
        with api_under_test(None, "local-admin", None, *(f"--param={p}" for p in params)) as stack:
            runs.append(
                run(stack, label, args.inventory, margin, Load(args.buyers, args.clients, args.bots, args.bot_clients))
            )
    return runs


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.scenario == "overload":
        runs = overload(args)
        page = pages.overload_page(runs, args)
        off, on = runs
        oversold = max(max(r.settled.get("CONFIRMED", 0) - r.inventory, 0) for r in runs)
        heard_on = Counter(kind(a) for a in on.buyers)
        result = (
            f"RESULT rejected_by_worker_off={off.settled.get('REJECTED sold_out', 0)} "
            f"rejected_by_worker_on={on.settled.get('REJECTED sold_out', 0)} "
            f"shed_on={heard_on['409 fully_claimed']} sold_out_on={heard_on['409 sold_out']} "
            f"confirmed_on={on.settled.get('CONFIRMED', 0)} oversold={oversold}"
        )
    elif args.scenario == "async":
        runs = slow_postgres(args)
        page = pages.async_page(runs, args)
        fast, slow = (percentile([a.latency_ms for a in r.buyers if a.status == 202], 0.5) for r in runs)
        result = (
            f"RESULT accept_p50_ms={fast:.0f} accept_p50_slow_pg_ms={slow:.0f} ratio={slow / fast:.2f} "
            f"drain_s={runs[0].drain_s:.1f} drain_slow_pg_s={runs[1].drain_s:.1f}"
        )
    else:
        runs = abuse(args)
        page = pages.abuse_page(runs, args)
        accepted = [sum(a.status == 202 for a in r.buyers) for r in runs]
        result = "RESULT " + " ".join(f"buyers_accepted_{i}={n}" for i, n in enumerate(accepted))
    print(page.table)
    print(f"page: {page.path}   plot: {page.plot}")
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
