"""Settling a batch's orders in one round trip, each in its own transaction (db/migrations/0005, 0007, 0009).

``settle_orders_one_by_one`` is a procedure: for each order it runs the replay check, the buyer's
reservation, the take with the strategy's own locks and the order's INSERT, and commits it before the
next. So one SQS batch is one network wait, and no order waits for another's locks. Sharded orders wait
for the disk once per call, at its end (0009); the others once per order. Either way every order is
durable when the call returns, which is before anything is reported. The orders go as one
JSON array (a list of UUIDs or timestamps costs psycopg far more to send). The procedure COMMITs, so the
connection must be in autocommit (the worker's is).
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from aws_lambda_powertools.metrics import MetricUnit
from psycopg import errors as pg_errors

from flashdeal.adapters.postgres import database_errors
from flashdeal.errors import FlashDealError, InventoryContentionError, OrderAlreadySettledError
from flashdeal.observability import metrics
from flashdeal.orders import OrderMessage, OrderStatus, Settlement, messages_as_json, settlement_of
from flashdeal.sales import SaleRules

type Settled = Settlement | FlashDealError  # one order's settlement, or why it failed

OPTIMISTIC_ATTEMPTS = 8  # fixed in settle_orders_one_by_one
_SETTLE = (
    "CALL settle_orders_one_by_one(%(strategy)s, %(sale)s, %(limit)s, %(shards)s, %(now)s,"
    " %(orders)s::json, %(open)s::boolean[])"
)


def settle_one_by_one(
    conn: psycopg.Connection, messages: Sequence[OrderMessage], rules: SaleRules, now: datetime
) -> list[Settled]:
    """Each order's settlement (``replayed`` when an earlier delivery made it), in the messages' order.

    The procedure stops starting orders when the statement timeout draws near; the rest go in another call.
    """
    settled: list[Settled] = []
    while len(settled) < len(messages):
        this_call = _call(conn, messages[len(settled) :], rules, now)
        assert this_call, "the procedure always starts the first order it is given"
        settled += this_call
    return settled


def _call(conn: psycopg.Connection, messages: Sequence[OrderMessage], rules: SaleRules, now: datetime) -> list[Settled]:
    params: dict[str, Any] = {
        "strategy": rules.strategy.value,
        "sale": messages[0].sale_id,
        "limit": rules.per_user_limit,
        "shards": rules.shards,
        "now": now,
        "orders": messages_as_json(messages),
        "open": [rules.open_at(m.accepted_at) for m in messages],
    }
    try:
        with database_errors():
            row = conn.execute(_SETTLE, params).fetchone()
    except FlashDealError as exc:  # the call failed whole: the orders it committed are found on redelivery
        return [exc] * len(messages)
    assert row is not None  # a CALL returns its INOUT arguments as one row
    statuses, reasons, sold_outs, replays, settled_ats, retries, failures = row
    _count_retries(sum(retries))  # the optimistic attempts that lost the race, 8 for an order that lost all
    settled: list[Settled] = []
    for i, message in enumerate(messages):
        if failures[i] is not None:
            settled.append(_failure(message, failures[i]))
        elif statuses[i] is None:  # not started: the statement timeout drew near
            break
        else:
            status = OrderStatus(statuses[i])
            settled.append(
                settlement_of(message, status, reasons[i], settled_ats[i], sold_out=sold_outs[i], replayed=replays[i])
            )
    return settled


_STALE_VERSION = "FD004"  # the procedure's own: the optimistic strategy lost all its attempts
_CONTENTION = {  # the order failed for now; SQS delivers it again
    _STALE_VERSION: f"stale version {OPTIMISTIC_ATTEMPTS} times in a row",
    pg_errors.LockNotAvailable.sqlstate: "waited longer than lock_timeout for the inventory",
    pg_errors.DeadlockDetected.sqlstate: "Postgres broke a deadlock over the inventory",
}


def _failure(message: OrderMessage, sqlstate: str) -> FlashDealError:
    """The domain error for an order the procedure caught failing (by SQLSTATE, its only failures)."""
    if sqlstate == pg_errors.UniqueViolation.sqlstate:
        return OrderAlreadySettledError(f"order {message.order_id} was settled concurrently")
    return InventoryContentionError(f"{_CONTENTION[sqlstate]}; the order will be retried")


def _count_retries(retries: int) -> None:
    if retries:
        metrics.add_metric(name="OptimisticRetries", unit=MetricUnit.Count, value=retries)
