"""A pool of worker processes, each one a Lambda execution environment running the real worker handler.

Module state (the cached Postgres connection) lives per process, as it does per environment in Lambda.
Used by the concurrency tests and the contention benchmarks. With ``publish=False`` the environments run
with ``PUBLISH_STATUS=false``: only the Postgres settlement is exercised, and each batch's outcomes are read
from the handler's processor.
"""

import multiprocessing
import os
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from flashlab.events import queue_arn, sqs_event, sqs_record
from flashlab.handlers import Handler, load_handler, module_key
from flashlab.lambda_context import LocalLambdaContext
from flashlab.local.environment import PRELOAD
from flashlab.template import FunctionSpec, Template

_handler: Handler | None = None
_spec: FunctionSpec | None = None


@dataclass(frozen=True)
class BatchResult:
    failed_ids: list[str]
    seconds: float
    pid: int
    settled: list[tuple[str, str, bool]] = field(default_factory=list)  # (order id, status, replayed)


@dataclass(frozen=True)
class Delivered:
    """Every batch of every round of ``WorkerPool.deliver``, and the records that never succeeded."""

    results: list[BatchResult]
    rounds: int
    still_failing: list[tuple[str, str]]

    @property
    def settled(self) -> list[tuple[str, str, bool]]:
        return [s for r in self.results for s in r.settled]

    @property
    def retried(self) -> int:
        return sum(len(r.failed_ids) for r in self.results)


def at_least_once(messages: Sequence[BaseModel], duplicate_share: float) -> list[tuple[str, str]]:
    """(message id, body) for every message, a share of them delivered twice, shuffled: SQS at least once."""
    twice = random.sample(list(messages), int(len(messages) * duplicate_share))
    deliveries = [(f"m{i}", m.model_dump_json()) for i, m in enumerate([*messages, *twice])]
    random.shuffle(deliveries)
    return deliveries


def _start_environment(function: str, environment: dict[str, str], publish: bool) -> None:
    global _handler, _spec
    environment = {**environment, "PUBLISH_STATUS": "true" if publish else "false"}
    os.environ.update(environment)
    os.environ.setdefault("AWS_LAMBDA_FUNCTION_NAME", function)
    _spec = Template().functions()[function]
    _handler = load_handler(_spec, environment)


def _settled() -> list[tuple[str, str, bool]]:
    """(order id, status, replayed) of each record of the last batch that settled."""
    assert _spec is not None
    outcomes = sys.modules[module_key(_spec)].processor.outcomes.values()
    return [(str(o.order_id), o.status.value, o.replayed) for o in outcomes if not isinstance(o, Exception)]


def batch_event(batch: list[tuple[str, str]]) -> dict[str, Any]:
    """The SQS event Lambda would build for a batch of (message id, body) from this function's queue."""
    assert _spec is not None
    assert _spec.sqs is not None
    arn = queue_arn(_spec.sqs.queue)
    return sqs_event([sqs_record(body, arn, message_id=message_id) for message_id, body in batch])


def invoke(batch: list[tuple[str, str]]) -> BatchResult:
    """Runs the handler on one SQS-shaped batch of (message id, body) in this environment."""
    return invoke_event(batch_event(batch))


def invoke_event(event: dict[str, Any]) -> BatchResult:
    failed, seconds = handle_event(event)
    return BatchResult(failed, seconds, os.getpid(), _settled())


def handle_event(event: dict[str, Any]) -> tuple[list[str], float]:
    """The handler's answer to one event, as the failed message ids, and the seconds it took; no bookkeeping
    of its own, so what the contention lab measures in this process is the handler."""
    assert _handler is not None
    assert _spec is not None
    started = time.perf_counter()
    answer = _handler(event, LocalLambdaContext(_spec.name, _spec.timeout_s, _spec.memory_mb))
    seconds = time.perf_counter() - started
    return [f["itemIdentifier"] for f in answer.get("batchItemFailures", [])], seconds


class WorkerPool:
    """``size`` worker environments; ``run`` feeds them batches of (message id, body)."""

    def __init__(
        self,
        size: int,
        environment: dict[str, str],
        function: str = "OrderWorkerFunction",
        publish: bool = True,
    ) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self.size = size
        self._pool = context.Pool(size, initializer=_start_environment, initargs=(function, environment, publish))

    def run(self, batches: Iterable[list[tuple[str, str]]]) -> Iterator[BatchResult]:
        return self._pool.imap_unordered(invoke, batches, chunksize=1)

    def deliver(self, deliveries: list[tuple[str, str]], batch_size: int, max_receives: int) -> Delivered:
        """Delivers like SQS: the failed records of one round come back in the next, up to ``max_receives``."""
        results: list[BatchResult] = []
        rounds = 0
        while deliveries and rounds < max_receives:
            rounds += 1
            by_id = dict(deliveries)
            batches = (deliveries[i : i + batch_size] for i in range(0, len(deliveries), batch_size))
            this_round = list(self.run(batches))
            results += this_round
            deliveries = [(m, by_id[m]) for r in this_round for m in r.failed_ids]
        return Delivered(results, rounds, deliveries)

    def each(self, task: Callable[[Any], Any], arguments: list[Any]) -> list[Any]:
        """Runs ``task`` once per argument, one per process when there are no more arguments than processes."""
        return self._pool.map(task, arguments, chunksize=1)

    def pids(self) -> list[int]:
        return [process.pid for process in self._pool._pool]  # type: ignore[attr-defined]

    def close(self) -> None:
        self._pool.close()
        self._pool.join()

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
