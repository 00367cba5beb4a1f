"""Runs the matrix: for each cell, a fresh sale with the strategy, N workers driving the real handler for a
fixed time, lock waits and CPU sampled meanwhile, and the result checked against Postgres afterwards."""

import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID, uuid4

import psycopg

from flashdeal.adapters.sale_rows import insert_sale
from flashdeal.sales import SaleRequest, Strategy, new_sale
from flashlab.bench.cells import Cell, CellResult
from flashlab.bench.driver import Job, drive
from flashlab.bench.pgbench import hot_row_tps, prepare_hot_row
from flashlab.bench.sampler import ActivitySampler, machine_seconds, parent_pid
from flashlab.local import cpu_use
from flashlab.percentiles import percentile
from flashlab.workers import WorkerPool

APPLICATION = "flashdeal-bench-worker"
INVENTORY = 100_000_000  # never sells out during a cell: every order takes stock
START_DELAY = 0.5
WARM_UP_SECONDS = 1.0


def worker_environment(url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "SALES_TABLE": "bench-not-used",  # the DynamoDB stage is swapped for a recorder
        "AWS_LAMBDA_FUNCTION_NAME": APPLICATION,
        "POWERTOOLS_SERVICE_NAME": "flashdeal",
        "POWERTOOLS_METRICS_NAMESPACE": "FlashDealBench",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


class Bench:
    """One Postgres, one pool of worker environments, many cells."""

    def __init__(
        self,
        url: str,
        pool_size: int,
        seconds: float,
        progress: Callable[[str], None] = print,
        shards: int | None = None,
    ) -> None:
        self.url, self.seconds, self.progress = url, seconds, progress
        self.shards = shards  # of every sharded and batched sale; None: the sale's default
        self.conn = psycopg.connect(url, autocommit=True)
        backend = self.conn.execute("SELECT pg_backend_pid()").fetchone()
        assert backend is not None
        self.postmaster = parent_pid(backend[0])
        started = time.perf_counter()
        self.pool = WorkerPool(pool_size, worker_environment(url), publish=False)
        while len(set(self.pool.each(_ready, list(range(pool_size))))) < pool_size:
            pass  # until every environment has finished its cold start and answered
        self.progress(f"{pool_size} worker environments ready in {time.perf_counter() - started:.1f} s")
        self._warm_up(pool_size)
        prepare_hot_row(url)
        # Checkpoints come from the clock below, never in the middle of a cell (one mid-cell made a
        # 64-worker cell 30% slower: the pages written first after a checkpoint go to the WAL in full).
        self.conn.execute("ALTER SYSTEM SET max_wal_size = '8GB'")
        self.conn.execute("SELECT pg_reload_conf()")

    def _warm_up(self, pool_size: int) -> None:
        """Every environment settles orders on both paths (one call per batch, and batched's together) for
        a moment before the first cell, as a Lambda environment has by its tenth invocation: a cell measures
        warm environments. An environment's first few invocations cost it more (first use of each code
        path, and the first collection that walks what the imports left), and a cell that was the first to
        use 32 of its 64 environments paid that inside its window.

        Each environment keeps its connection, and so its backend, from here to the last cell, as it would
        across invocations in Lambda. A new backend's first statements cost it more (its first touch of the
        shared buffers' pages, catalog lookups, plans). With new backends in every cell, 64 workers settled a
        median 0.85 of what 8 did in the same round (nine rounds); with kept ones, 0.95."""
        for strategy in (Strategy.SHARDED, Strategy.BATCHED):
            start_at = time.time() + START_DELAY
            job = Job(str(self._new_sale(strategy)), 10, start_at, start_at + WARM_UP_SECONDS)
            self.pool.each(drive, [job] * pool_size)
        self.conn.execute("TRUNCATE sales, purchases, orders, inventory_shards")

    def close(self) -> None:
        self.pool.close()
        self.conn.close()

    def pgbench(self, clients: int) -> float:
        tps = hot_row_tps(self.url, clients, self.seconds)
        self.progress(f"pgbench hot row, {clients:>2} clients: {tps:>9,.0f} tps")
        return tps

    def _postgres_cpu(self) -> float:
        """The postmaster's CPU seconds and those of every backend and helper it forked, so far."""
        return cpu_use.seconds([self.postmaster], children=True)

    def run(self, cell: Cell) -> CellResult:
        self.conn.execute("CHECKPOINT")
        sale_id = self._new_sale(cell.strategy)
        start_at = time.time() + START_DELAY
        job = Job(str(sale_id), cell.batch, start_at, start_at + self.seconds)
        workers = self.pool.pids()
        before = (cpu_use.seconds(workers), self._postgres_cpu(), *machine_seconds())
        with ActivitySampler(self.url, APPLICATION) as sampler:
            driven = self.pool.each(drive, [job] * cell.workers)
        after = (cpu_use.seconds(workers), self._postgres_cpu(), *machine_seconds())
        wall = max(d.ended_at for d in driven) - start_at
        found = self._count(sale_id)
        activity = sampler.result()
        latencies = sorted(s for d in driven for s in d.latencies)
        failed = sum(d.failed for d in driven)
        settled = sum(d.orders for d in driven) - failed
        verified = found["orders"] == settled == found["confirmed"] == found["taken"] and found["lowest"] >= 0
        result = CellResult(
            strategy=cell.strategy.value,
            workers=cell.workers,
            batch=cell.batch,
            orders=settled,
            failed=failed,
            seconds=round(wall, 3),
            rate=sum(d.settled_in_window for d in driven) / self.seconds,
            p50_ms=statistics.median(latencies) * 1000,
            p99_ms=percentile(latencies, 0.99) * 1000,
            lock_wait_share=activity.lock_wait_seconds / (cell.workers * wall),
            retries=sum(d.retries for d in driven),
            peak_connections=activity.peak_connections,
            peak_active=activity.peak_active,
            python_cores=(after[0] - before[0]) / wall,
            postgres_cores=(after[1] - before[1]) / wall,
            machine_cores=(after[2] - before[2]) / wall,
            stolen_cores=(after[3] - before[3]) / wall,
            distinct_workers=len({d.pid for d in driven}),
            verified=verified,
            in_postgres=found,
        )
        self.conn.execute("TRUNCATE sales, purchases, orders, inventory_shards")  # no cell inherits bloat
        return result

    def _new_sale(self, strategy: Strategy) -> UUID:
        shards = None if strategy.single_row else self.shards
        request = SaleRequest(name=f"bench {strategy.value}", inventory=INVENTORY, strategy=strategy, shards=shards)
        sale = new_sale(request, uuid4(), datetime.now(UTC))
        with self.conn.transaction():
            insert_sale(self.conn, sale)
        return sale.sale_id

    def _count(self, sale_id: UUID) -> dict[str, int]:
        row = self.conn.execute(
            "SELECT (SELECT count(*) FROM orders WHERE sale_id = %(s)s),"
            " (SELECT count(*) FROM orders WHERE sale_id = %(s)s AND status = 'CONFIRMED'),"
            " (SELECT sum(initial - remaining) FROM inventory_shards WHERE sale_id = %(s)s),"
            " (SELECT min(remaining) FROM inventory_shards WHERE sale_id = %(s)s)",
            {"s": sale_id},
        ).fetchone()
        assert row is not None
        return dict(zip(("orders", "confirmed", "taken", "lowest"), (int(v) for v in row), strict=True))


def _ready(_: int) -> int:
    time.sleep(0.2)  # long enough that no process takes two of these while another is still starting
    return os.getpid()
