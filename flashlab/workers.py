"""A pool of worker processes, each one a Lambda execution environment running the real worker handler.

Module state (the cached Postgres connection) lives per process, as it does per environment in Lambda.
Used by the concurrency tests and the contention benchmarks.
"""

import multiprocessing
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flashlab.events import queue_arn, sqs_event, sqs_record
from flashlab.handlers import Handler, load_handler
from flashlab.lambda_context import LocalLambdaContext
from flashlab.local.runtime import PRELOAD
from flashlab.template import FunctionSpec, Template

_handler: Handler | None = None
_spec: FunctionSpec | None = None


@dataclass(frozen=True)
class BatchResult:
    failed_ids: list[str]
    seconds: float
    pid: int


def _start_environment(function: str, environment: dict[str, str]) -> None:
    global _handler, _spec
    os.environ.update(environment)
    _spec = Template().functions()[function]
    _handler = load_handler(_spec, environment)


def _invoke(batch: list[tuple[str, str]]) -> BatchResult:
    assert _handler is not None
    assert _spec is not None
    assert _spec.sqs is not None
    arn = queue_arn(_spec.sqs.queue)
    event = sqs_event([sqs_record(body, arn, message_id=message_id) for message_id, body in batch])
    started = time.perf_counter()
    answer = _handler(event, LocalLambdaContext(_spec.name, _spec.timeout_s, _spec.memory_mb))
    failed = [f["itemIdentifier"] for f in answer.get("batchItemFailures", [])]
    return BatchResult(failed, time.perf_counter() - started, os.getpid())


class WorkerPool:
    """``size`` worker environments; ``run`` feeds them batches of (message id, body)."""

    def __init__(self, size: int, environment: dict[str, str], function: str = "OrderWorkerFunction") -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self._pool = context.Pool(size, initializer=_start_environment, initargs=(function, environment))

    def run(self, batches: Iterable[list[tuple[str, str]]]) -> Iterator[BatchResult]:
        return self._pool.imap_unordered(_invoke, batches, chunksize=1)

    def close(self) -> None:
        self._pool.close()
        self._pool.join()

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
