"""What each worker process does in a bench cell: feed the real handler SQS batches until the clock stops.

It runs inside a ``WorkerPool`` process (one Lambda environment). The optimistic strategy's retries are
read back from the handler's own EMF metric lines, as CloudWatch would read them.
"""

import io
import json
import os
import time
import uuid
import warnings
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime

from flashlab.workers import batch_event, handle_event


@dataclass(frozen=True)
class Job:
    sale_id: str
    batch: int
    start_at: float  # time.time() at which every worker starts
    stop_at: float


@dataclass(frozen=True)
class Driven:
    pid: int
    orders: int
    failed: int
    latencies: list[float]  # seconds per invocation
    retries: int
    ended_at: float
    settled_in_window: float  # settled orders, a batch still running at stop_at counted for its share before it


def share_in_window(began: float, ended: float, stop_at: float) -> float:
    """The share of a batch that began before ``stop_at`` and ran until ``ended`` that lies before ``stop_at``.

    A worker finishes the batch it is in when the clock stops; at 64 workers a batch of 100 takes ~0.2-0.5 s,
    and dividing by the wall time up to the last batch's end counted that tail as if every worker were
    still busy. Within a batch, its orders settle one after another, so the share is a share of its time.
    """
    return 1.0 if ended <= stop_at else max(0.0, stop_at - began) / (ended - began)


def drive(job: Job) -> Driven:
    _connected_before_the_clock_starts()
    pid, failed, latencies, sent, in_window = os.getpid(), 0, [], 0, 0.0
    ids = str(uuid.uuid4())[:24]  # order ids and buyers are new in every job: "<random>-<counter>"
    accepted_at = datetime.now(UTC).isoformat()
    emf = io.StringIO()
    time.sleep(max(0.0, job.start_at - time.time()))
    with redirect_stdout(emf):
        while time.time() < job.stop_at:
            order_ids = [f"{ids}{n:012x}" for n in range(sent, sent + job.batch)]
            batch = [(order_id, _body(job.sale_id, order_id, accepted_at)) for order_id in order_ids]
            began = time.time()
            failed_ids, seconds = handle_event(batch_event(batch))
            sent += job.batch
            failed += len(failed_ids)
            latencies.append(seconds)
            in_window += (job.batch - len(failed_ids)) * share_in_window(began, began + seconds, job.stop_at)
    retries = _metric_sum(emf.getvalue(), "OptimisticRetries")
    return Driven(pid, sent, failed, latencies, retries, time.time(), in_window)


def _body(sale_id: str, order_id: str, accepted_at: str) -> str:
    return (
        f'{{"order_id":"{order_id}","sale_id":"{sale_id}","user_id":"bench-{order_id}",'
        f'"quantity":1,"idempotency_key":"k","accepted_at":"{accepted_at}"}}'
    )


def _connected_before_the_clock_starts() -> None:
    """The environment's connection, as a warm Lambda environment keeps it from one invocation to the next:
    opened by the bench's warm-up and kept from cell to cell (reopened only if it broke)."""
    from flashdeal.adapters.postgres import get_connection
    from flashdeal.settings import OrderWorkerSettings

    warnings.filterwarnings("ignore", "No application metrics to publish")
    get_connection(OrderWorkerSettings()).execute("SELECT 1")


def _metric_sum(emf_lines: str, name: str) -> int:
    total = 0
    for line in emf_lines.splitlines():
        if line.startswith("{") and f'"{name}"' in line:
            value = json.loads(line).get(name, 0)
            total += int(sum(value) if isinstance(value, list) else value)
    return total
