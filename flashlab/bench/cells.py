"""A cell of the bench's matrix (a strategy, a number of workers, an SQS batch size) and what it measured."""

from dataclasses import dataclass

from flashdeal.sales import Strategy


@dataclass(frozen=True)
class Cell:
    strategy: Strategy
    workers: int
    batch: int


@dataclass(frozen=True)
class CellResult:
    strategy: str
    workers: int
    batch: int
    orders: int  # settled (failed records excluded)
    failed: int  # records the handler reported as failed (SQS would redeliver them)
    seconds: float  # from the start to the end of the last batch (the workers finish the batch they are in)
    rate: float  # settled orders per second of the driving window (driver.share_in_window)
    p50_ms: float
    p99_ms: float
    lock_wait_share: float  # share of the workers' time their backends waited on a lock
    retries: int  # optimistic stale-version retries
    peak_connections: int
    peak_active: int
    python_cores: float  # CPU of the worker processes / wall time
    postgres_cores: float
    machine_cores: float  # all CPU busy on the machine / wall time, whoever used it
    stolen_cores: float  # CPU the hypervisor gave to other tenants / wall time (the machine is shared)
    distinct_workers: int
    verified: bool  # Postgres agrees: one row per settled order, stock moved once per confirmed unit
    in_postgres: dict[str, int]  # what the check read: order rows, confirmed, units taken, lowest shard
