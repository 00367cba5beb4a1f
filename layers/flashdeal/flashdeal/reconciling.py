"""The reconciler: DynamoDB brought back in line with Postgres, and Postgres checked against itself.

An order can stay PENDING in DynamoDB when the worker settled it but died before publishing, or when
its message went to the dead-letter queue. For each order PENDING longer than ``pending_after``:
- Postgres settled it: publish that outcome (the status, and the buyer's units back if it was rejected);
- Postgres never saw it and its message is dead-lettered: settle it REJECTED (``not_processed``) in
  Postgres first, so a later redrive replays that outcome instead of selling, then publish it;
- otherwise it is still on its way (in the queue, or being retried): leave it.
"""

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

import psycopg
from aws_lambda_powertools.metrics import MetricUnit

from flashdeal.adapters import order_ledger
from flashdeal.adapters.dead_letters import peek_order_messages
from flashdeal.adapters.pending_orders import find_pending_orders
from flashdeal.adapters.postgres import database_errors, transaction, wait_until_durable
from flashdeal.adapters.stock_audit import count_sales, stock_differences
from flashdeal.errors import OrderAlreadySettledError
from flashdeal.observability import logger, metrics
from flashdeal.orders import OrderMessage, OrderStatus, Settlement, settlement_of
from flashdeal.settlement.status_sync import publish_outcome, publish_sold_counts

NOT_PROCESSED = "not_processed"


@dataclass
class Reconciliation:
    pending: int = 0  # PENDING past the threshold when the run started
    published: int = 0  # settled in Postgres, now published
    rejected_not_processed: int = 0  # dead-lettered and never settled: rejected, units given back
    still_pending: int = 0  # neither: still queued or being retried
    sales_checked: int = 0
    stock_mismatches: dict[str, int] = field(default_factory=dict)  # sale id -> units taken minus confirmed

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def reconcile(
    conn: psycopg.Connection, sales_table: str, dlq_url: str, pending_after: timedelta, now: datetime
) -> Reconciliation:
    report = Reconciliation()
    pending = find_pending_orders(sales_table, now - pending_after)
    report.pending = len(pending)
    with database_errors():
        settled = order_ledger.find_settlements(conn, pending) if pending else {}
    report.published = len(settled)
    unsettled = [order_id for order_id in pending if order_id not in settled]
    dead = peek_order_messages(dlq_url) if unsettled else {}
    for order_id in unsettled:
        if order_id in dead:
            settled[order_id] = reject_unprocessed(conn, dead[order_id], now)
            report.rejected_not_processed += 1
        else:
            report.still_pending += 1
    if settled:  # what it publishes, read here or found by reject_unprocessed, must survive a crash
        wait_until_durable(conn)  # (a sharded call flushes its orders only at its end)
    publish_sold_counts([publish_outcome(s, sales_table) for s in settled.values()], sales_table)
    with database_errors():
        report.sales_checked = count_sales(conn)
        report.stock_mismatches = {str(k): v for k, v in stock_differences(conn).items()}
    _record(report)
    return report


def reject_unprocessed(conn: psycopg.Connection, message: OrderMessage, now: datetime) -> Settlement:
    """Settles a dead-lettered order as REJECTED, unless a worker settled it meanwhile (then that wins)."""
    try:
        with transaction(conn):
            order_ledger.insert_order(conn, message, OrderStatus.REJECTED, NOT_PROCESSED, now)
    except OrderAlreadySettledError:
        with transaction(conn):
            found = order_ledger.find_settlement(conn, message.order_id)
        if found is not None:
            return found
        raise
    return settlement_of(message, OrderStatus.REJECTED, NOT_PROCESSED, now)


def _record(report: Reconciliation) -> None:
    metrics.add_metric(name="OrdersReconciled", unit=MetricUnit.Count, value=report.published)
    metrics.add_metric(name="OrdersRejectedUnprocessed", unit=MetricUnit.Count, value=report.rejected_not_processed)
    metrics.add_metric(name="OrdersStillPending", unit=MetricUnit.Count, value=report.still_pending)
    metrics.add_metric(name="StockMismatches", unit=MetricUnit.Count, value=len(report.stock_mismatches))
    if report.stock_mismatches:
        logger.error("units taken differ from units confirmed", sales=report.stock_mismatches)
    logger.info("reconciled", **report.as_dict())
