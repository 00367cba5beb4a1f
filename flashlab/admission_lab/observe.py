"""What a lab run watches besides the answers: queue depth and Postgres connections, sampled, and the
final status of every order Postgres settled."""

import threading
import time
from dataclasses import dataclass, field

import psycopg

from flashlab.front_bench.drive import local_stats

QUEUE = "OrdersQueue"


@dataclass
class Sample:
    at_s: float
    queued: int  # visible + in flight
    db_connections: int


@dataclass
class Sampler:
    """Samples every ``every_s`` in a thread from ``start()`` until ``stop()``."""

    api_url: str
    database_url: str
    every_s: float = 0.25
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._began = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> list[Sample]:
        self._stop.set()
        if self._thread:
            self._thread.join()
        return self.samples

    def _run(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self._stop.wait(self.every_s):
                stats = local_stats(self.api_url) or {}
                queue = stats.get("queues", {}).get(QUEUE, {})
                [(connections,)] = conn.execute(
                    "SELECT count(*) - 1 FROM pg_stat_activity WHERE backend_type = 'client backend'"
                ).fetchall()  # minus this sampler's own
                depth = queue.get("visible", 0) + queue.get("in_flight", 0)
                self.samples.append(Sample(time.perf_counter() - self._began, depth, connections))


def wait_drained(api_url: str, timeout_s: float = 180) -> float:
    """Seconds until the orders queue is empty (nothing visible, nothing in flight)."""
    began = time.perf_counter()
    while time.perf_counter() - began < timeout_s:
        queue = (local_stats(api_url) or {}).get("queues", {}).get(QUEUE, {})
        if queue and not queue.get("visible") and not queue.get("in_flight"):
            return time.perf_counter() - began
        time.sleep(0.25)
    raise TimeoutError(f"the orders queue did not drain in {timeout_s:.0f} s")


def settled(database_url: str, sale_id: str) -> dict[str, int]:
    """Orders Postgres settled for the sale, by status (and reason when rejected)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT status || coalesce(' ' || reason, ''), count(*) FROM orders WHERE sale_id = %s GROUP BY 1",
            (sale_id,),
        ).fetchall()
    return {kind: n for kind, n in rows}


class SlowPostgres:
    """Every order Postgres settles takes ``ms`` longer: a trigger that sleeps inside the worker's
    transaction, holding its locks (a slow disk, a long-running migration, a busy replica). Removed on exit."""

    def __init__(self, database_url: str, ms: int) -> None:
        self.database_url, self.ms = database_url, ms

    def __enter__(self) -> "SlowPostgres":
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(
                "CREATE OR REPLACE FUNCTION lab_slow_order() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN PERFORM pg_sleep({self.ms / 1000:.3f}); RETURN NEW; END $$"
            )
            conn.execute(
                "CREATE OR REPLACE TRIGGER lab_slow_order BEFORE INSERT ON orders "
                "FOR EACH ROW EXECUTE FUNCTION lab_slow_order()"
            )
        return self

    def __exit__(self, *exc: object) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute("DROP TRIGGER IF EXISTS lab_slow_order ON orders")
            conn.execute("DROP FUNCTION IF EXISTS lab_slow_order()")
