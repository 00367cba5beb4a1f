"""One phase-2 run: the same burst on a sale of one strategy, read back from the stack's CloudWatch."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from flashdeal.sales import Strategy
from flashlab.admission_lab.observe import settled, wait_drained
from flashlab.dashboard.from_stack import render_dashboard
from flashlab.dashboard.query import statistic
from flashlab.demo import create_sale
from flashlab.front_bench.drive import local_stats
from flashlab.locks import lock_chains
from flashlab.moto import local_client
from flashlab.pg_sampling import PostgresSampler
from flashlab.queued_orders import order_body, send_bodies
from flashlab.stack_process import RunningStack

SERVICE = [("service", "flashdeal")]
WORKER = [("FunctionName", "OrderWorkerFunction")]
CONTENTION = [*SERVICE, ("reason", "inventory_contention")]
QUEUE = [("QueueName", "OrdersQueue")]
WARM_UP_ORDERS = 100  # ten batches: enough to start the worker's environments

# (label, namespace, metric, dimensions, statistic): what the page's table reads for each run
READINGS = [
    ("orders confirmed", "FlashDeal", "OrdersConfirmed", SERVICE, "Sum"),
    ("settle lag p50 (ms)", "FlashDeal", "SettleLag", SERVICE, "p50"),
    ("settle lag p99 (ms)", "FlashDeal", "SettleLag", SERVICE, "p99"),
    ("Postgres time per batch p50 (ms)", "FlashDeal", "SettlePostgresTime", SERVICE, "p50"),
    ("Postgres time per batch p99 (ms)", "FlashDeal", "SettlePostgresTime", SERVICE, "p99"),
    ("Postgres time, all batches (ms)", "FlashDeal", "SettlePostgresTime", SERVICE, "Sum"),
    ("batch size (mean)", "FlashDeal", "SettleBatchSize", SERVICE, "Average"),
    ("lock timeouts (records retried)", "FlashDeal", "SettleFailures", CONTENTION, "Sum"),
    ("worker duration p99 (ms)", "AWS/Lambda", "Duration", WORKER, "p99"),
    ("worker concurrency, mean of samples", "AWS/Lambda", "ConcurrentExecutions", WORKER, "Average"),
    ("worker errors", "AWS/Lambda", "Errors", WORKER, "Sum"),
    (
        "orders queue depth, peak",
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        [("QueueName", "OrdersQueue")],
        "Maximum",
    ),
]


@dataclass
class Run:
    strategy: str
    queued: int
    readings: dict[str, float | None]
    settled: dict[str, int]
    peak_lock_waiters: int
    share_lock_waiting: float
    receive_errors: int
    drain_s: float
    dashboard: Path
    wall_s: float = 0.0


class LockWatch(PostgresSampler):
    """Samples ``make locks``' query every 50 ms: the most backends seen waiting for a lock at once, and the
    share of samples in which at least one was waiting."""

    def __init__(self, database_url: str) -> None:
        super().__init__(database_url, 0.05)
        self.peak = 0
        self.samples = 0
        self.samples_waiting = 0

    def sample(self, conn: psycopg.Connection) -> None:
        waiting = len({row[0] for row in lock_chains(conn) if row[0] is not None})
        self.peak = max(self.peak, waiting)
        self.samples += 1
        self.samples_waiting += waiting > 0

    @property
    def share_waiting(self) -> float:
        return self.samples_waiting / self.samples if self.samples else 0.0


def warm_up(stack: RunningStack) -> None:
    """Every worker environment started before anything is measured: cold starts are not phase 2."""
    sale = create_sale(stack.api_url, stack.admin_token, WARM_UP_ORDERS, 8, backlog_margin_percent="off")
    queue_orders(stack, sale["sale_id"], WARM_UP_ORDERS)
    wait_drained(stack.api_url)
    time.sleep(4)  # its last metrics published before the first run's window opens


def _receive_errors(stack: RunningStack) -> int:
    stats = local_stats(stack.api_url) or {}
    return sum(source.get("receive_errors", 0) for source in stats.get("event_sources", {}).values())


def queue_orders(stack: RunningStack, sale_id: str, count: int) -> None:
    """``count`` orders straight onto the orders queue, as fast as SQS takes them: the settle side's burst.

    Through the API the embedded stack accepts about 45 orders a second (docs/lab/front-door.md), far
    below what one Postgres row can take; queued directly, the workers meet the burst at full speed.
    """
    send_bodies(stack, [order_body(sale_id, f"p2-{n}", f"p2-{n}") for n in range(count)])


def run(stack: RunningStack, strategy: str, units: int, out: Path) -> Run:
    """``units`` orders for ``units`` units queued at once (every one confirmed), then the dashboard."""
    shards = 1 if Strategy(strategy).single_row else 8
    sale = create_sale(stack.api_url, stack.admin_token, units, shards, strategy=strategy, backlog_margin_percent="off")
    began, started = datetime.now(UTC), time.perf_counter()
    receive_errors_before = _receive_errors(stack)
    with LockWatch(stack.database_url) as locks:
        queue_orders(stack, sale["sale_id"], units)
        drain_s = wait_drained(stack.api_url)
    time.sleep(4)  # the last EMF, then the stack's next PutMetricData (every 2 s)
    ended = datetime.now(UTC)
    cloudwatch = local_client("cloudwatch", stack.aws_url)
    readings = {
        label: statistic(cloudwatch, namespace, name, dimensions, stat, began, ended)
        for label, namespace, name, dimensions, stat in READINGS
    }
    dashboard = render_dashboard(
        stack.api_url, out / f"phase-2-{strategy}-dashboard.png", began, title=f"phase 2: {units:,} orders, {strategy}"
    )
    print(f"  {strategy}: {units:,} orders queued, the queue drained {drain_s:.1f} s after", flush=True)
    return Run(
        strategy,
        units,
        readings,
        settled(stack.database_url, sale["sale_id"]),
        locks.peak,
        locks.share_waiting,
        _receive_errors(stack) - receive_errors_before,
        drain_s,
        dashboard,
        time.perf_counter() - started,
    )
