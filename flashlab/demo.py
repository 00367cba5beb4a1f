"""``make demo``: a flash sale on the embedded stack, end to end, with a report and a plot.

    python -m flashlab.demo [--buyers 5000] [--inventory 500] [--shards 8] [--retry-share 0.2] [--url URL]

Without --url it starts the embedded stack, runs the sale, and stops the stack again.
"""

import argparse
import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from flashlab import REPO_ROOT
from flashlab.burst import BurstResult, run_burst
from flashlab.dashboard.from_stack import render_dashboard
from flashlab.invariants import sale_facts
from flashlab.percentiles import percentile
from flashlab.plotting import saved_figure
from flashlab.stack_process import api_under_test

DEFAULT_PLOT = REPO_ROOT / ".flashlab" / "demo.png"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m flashlab.demo", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--buyers", type=int, default=5000)
    parser.add_argument("--inventory", type=int, default=500)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--retry-share", type=float, default=0.2, help="share of buyers who send their key twice")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight at once")
    parser.add_argument("--url", help="an already running FlashDeal API (default: start the embedded stack)")
    parser.add_argument("--admin-token", default="local-admin")
    parser.add_argument("--database-url", help="check oversell in Postgres too (known for the embedded stack)")
    parser.add_argument("--plot", type=Path, default=DEFAULT_PLOT)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    for name in ("buyers", "inventory", "shards", "concurrency"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if not 0 <= args.retry_share <= 1:
        parser.error("--retry-share must be between 0 and 1")
    return args


def create_sale(url: str, token: str, inventory: int, shards: int, **rules: Any) -> dict[str, Any]:
    """``POST /sales``; ``rules``: further fields of the body (per_user_limit, backlog_margin_percent, ...)."""
    answer = httpx.post(
        f"{url}/sales",
        json={"name": "demo flash sale", "inventory": inventory, "shards": shards, **rules},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"demo-{uuid.uuid4()}"},
        timeout=30,
    )
    if answer.status_code != 201:
        raise SystemExit(f"could not create the sale: {answer.status_code} {answer.text}")
    return answer.json()


def report(
    args: argparse.Namespace,
    sale: dict[str, Any],
    result: BurstResult,
    remaining: int,
    db: dict[str, int] | None,
    wall_s: float,
) -> tuple[str, bool]:
    inventory = sale["sale"]["inventory"]
    confirmed = sum(v["quantity"] for v in result.confirmed())
    accept_latencies = [a.latency * 1000 for a in result.attempts if a.status == 202]
    settled_at = max(result.final_seen_at.values(), default=0.0)
    oversold = max(0, confirmed - inventory)
    if db:
        oversold = max(oversold, db["taken"] - inventory, db["confirmed"] - inventory, db["negative_shards"])
    duplicates = sum(len(ids) - 1 for ids in result.buyer_orders.values() if len(ids) > 1)
    duplicates += db["buyers_confirmed_twice"] if db else 0
    rejections = result.rejections()
    rows = [
        ("buyers / retrying with the same key", f"{args.buyers:,} / {int(args.buyers * args.retry_share):,}"),
        ("requests sent", f"{len(result.attempts):,}"),
        ("accepted (202, distinct orders)", f"{len(result.accepted):,}"),
        *[(f"rejected {reason}", f"{count:,}") for reason, count in rejections.most_common()],
        ("confirmed", f"{confirmed:,}"),
        ("remaining (GET /sales)", f"{remaining:,}"),
        ("OVERSOLD (must be 0)", f"{oversold}"),
        ("DUPLICATES (must be 0)", f"{duplicates}"),
        ("accepted orders never final", f"{len(result.unfinished)}"),
        ("requests that got no answer", f"{result.transport_errors}"),
        (
            "accept latency p50 / p95 / p99",
            " / ".join(f"{percentile(accept_latencies, q):.0f}" for q in (0.5, 0.95, 0.99)) + " ms",
        ),
        ("every accepted order settled after", f"{result.settled_after():.1f} s (order timestamps)"),
        ("... and seen final by its buyer after", f"{settled_at:.1f} s (buyers poll with backoff)"),
        ("wall time of the sale", f"{wall_s:.1f} s"),
    ]
    if db:
        rows.insert(6, ("Postgres: units taken / confirmed", f"{db['taken']} / {db['confirmed']}"))
    width = max(len(label) for label, _ in rows)
    lines = [f"FlashDeal demo: sale {sale['sale_id']} ({inventory} units, {sale['sale']['shards']} shards)"]
    lines += [f"  {label:<{width}}  {value}" for label, value in rows]
    ok = oversold == 0 and duplicates == 0 and not result.unfinished and confirmed <= inventory
    ok = ok and result.transport_errors == 0
    return "\n".join(lines), ok


def plot(result: BurstResult, path: Path, title: str) -> None:
    with saved_figure(path, title) as (timeline, latency):
        end = max([a.started + a.latency for a in result.attempts] + result.settle_times() + [1.0])
        bins = [i * 0.5 for i in range(int(end / 0.5) + 2)]
        timeline.hist([a.started for a in result.attempts], bins=bins, alpha=0.6, label="order requests")
        timeline.hist(
            [a.started for a in result.attempts if a.status == 202], bins=bins, alpha=0.8, label="accepted (202)"
        )
        timeline.hist(result.settle_times(), bins=bins, alpha=0.8, label="settled by a worker")
        timeline.set(xlabel="seconds since the burst began", ylabel="per 0.5 s", title="Requests and settlements")
        timeline.legend()
        by_status: dict[str, list[float]] = {}
        for a in result.attempts:
            by_status.setdefault(
                "202 accepted" if a.status == 202 else f"{a.status} {a.error or ''}".strip(), []
            ).append(a.latency * 1000)
        edges = [10 ** (i / 10) for i in range(0, 51)]  # 1 ms .. 100 s, log-spaced
        latency.hist(list(by_status.values()), bins=edges, stacked=True, label=list(by_status))
        latency.set(
            xscale="log", xlabel="answer latency (ms, log scale)", ylabel="requests", title="Order request latency"
        )
        latency.legend()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    begun = time.perf_counter()
    with api_under_test(args.url, args.admin_token, args.database_url) as api:
        url, token = api.api_url, api.admin_token
        sale = create_sale(url, token, args.inventory, args.shards)
        print(
            f"sale {sale['sale_id']}: {args.inventory} units over {args.shards} shards; "
            f"{args.buyers} buyers arriving at once",
            flush=True,
        )
        started, since = time.perf_counter(), datetime.now(UTC)
        result = asyncio.run(
            run_burst(
                url,
                sale["sale_id"],
                args.buyers,
                args.retry_share,
                args.concurrency,
                progress=lambda line: print(f"  {line}", flush=True),
                seed=args.seed,
            )
        )
        wall = time.perf_counter() - started
        remaining = httpx.get(f"{url}/sales/{sale['sale_id']}", timeout=30).json()["remaining"]
        db = sale_facts(api.database_url, sale["sale_id"]) if api.database_url else None
        dashboard = None
        if api.process is not None:  # the embedded stack: its CloudWatch has the run's metrics
            dashboard = args.plot.with_name(f"{args.plot.stem}-dashboard.png")
            render_dashboard(url, dashboard, since, title=f"make demo: {args.buyers} buyers, {args.inventory} units")
    text, ok = report(args, sale, result, remaining, db, wall)
    print(text)
    plot(result, args.plot, f"{args.buyers} buyers, {args.inventory} units, {args.shards} shards")
    print(f"plot: {args.plot}")
    if dashboard is not None:
        print(f"dashboard (template.yaml's widgets, from the stack's CloudWatch): {dashboard}")
    print(f"demo took {time.perf_counter() - begun:.1f} s in all", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
