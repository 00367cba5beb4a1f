"""The worker's entry point: Powertools' BatchProcessor, with the whole batch settled before its records."""

import time
from collections.abc import Callable
from typing import Any

import psycopg
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

from flashdeal.observability import metrics
from flashdeal.settlement.batch import settle_batch
from flashdeal.settlement.single import Outcome


class SettlingBatchProcessor(BatchProcessor):
    """Settles every record of the batch in Postgres when the batch starts (one transaction per order, or
    one per sale for batched sales); each record's handler then finds its outcome in ``outcomes``.

    A record whose outcome is an error fails alone (ReportBatchItemFailures); SQS delivers it again.
    ``outcomes`` stays readable until the next batch (the lab's worker pools read it).
    """

    def __init__(self, connect: Callable[[], psycopg.Connection]) -> None:
        # Report every failed record, even when all fail, rather than failing the invocation.
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self._connect = connect
        self.outcomes: dict[str, Outcome] = {}

    def _prepare(self) -> None:
        super()._prepare()
        records: list[dict[str, Any]] = self.records
        started = time.perf_counter()
        self.outcomes = settle_batch({r["messageId"]: r["body"] for r in records}, self._connect())
        metrics.add_metric(name="SettleBatchSize", unit=MetricUnit.Count, value=len(records))
        postgres_ms = (time.perf_counter() - started) * 1000
        metrics.add_metric(name="SettlePostgresTime", unit=MetricUnit.Milliseconds, value=postgres_ms)
