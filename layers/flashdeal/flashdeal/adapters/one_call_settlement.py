"""Settling one order in one round trip, with the sale's strategy (db/migrations/0004).

``settle_order_in_one_call`` runs the replay check, the buyer's reservation, the take (each strategy's
own way, with its own locks) and the order's INSERT as one statement, so on the worker's autocommit
connection one order is one network wait. For sharded sales the first shard to try is drawn here, at
random, so buyers spread over the shards.
"""

import random
from datetime import datetime
from typing import Any

import psycopg
from aws_lambda_powertools.metrics import MetricUnit
from psycopg import errors as pg_errors

from flashdeal.adapters.postgres import database_errors
from flashdeal.errors import InventoryContentionError, OrderAlreadySettledError
from flashdeal.observability import metrics
from flashdeal.orders import OrderMessage, OrderStatus, Settlement, settlement_of
from flashdeal.sales import SaleRules

OPTIMISTIC_ATTEMPTS = 8  # fixed in settle_order_in_one_call
STALE_VERSION = "FD004"  # its SQLSTATE when every optimistic attempt lost the race
_SETTLE = (
    "SELECT * FROM settle_order_in_one_call(%(strategy)s, %(order)s, %(sale)s, %(user)s, %(quantity)s,"
    " %(key)s, %(accepted)s, %(now)s, %(limit)s, %(shards)s, %(start)s, %(open)s)"
)


def settle_in_one_call(conn: psycopg.Connection, message: OrderMessage, rules: SaleRules, now: datetime) -> Settlement:
    """The order's settlement: new, or (``replayed``) the one an earlier delivery made."""
    params: dict[str, Any] = {
        "order": message.order_id,
        "sale": message.sale_id,
        "user": message.user_id,
        "quantity": message.quantity,
        "key": message.idempotency_key,
        "accepted": message.accepted_at,
        "now": now,
        "limit": rules.per_user_limit,
        "open": rules.open_at(message.accepted_at),
        "strategy": rules.strategy.value,
        "shards": rules.shards,
        "start": random.randrange(rules.shards),
    }
    with database_errors():
        try:
            row = conn.execute(_SETTLE, params).fetchone()
        except pg_errors.UniqueViolation as exc:
            raise OrderAlreadySettledError(f"order {message.order_id} was settled concurrently") from exc
        except psycopg.Error as exc:
            if exc.sqlstate != STALE_VERSION:
                raise
            _count_retries(OPTIMISTIC_ATTEMPTS)
            raise InventoryContentionError(
                f"stale version {OPTIMISTIC_ATTEMPTS} times in a row; the order will be retried"
            ) from exc
    assert row is not None  # the function returns one row, always
    status, reason, sold_out, replayed, settled_at, retries = row
    _count_retries(retries)
    return settlement_of(message, OrderStatus(status), reason, settled_at, sold_out=sold_out, replayed=replayed)


def _count_retries(retries: int) -> None:
    if retries:
        metrics.add_metric(name="OptimisticRetries", unit=MetricUnit.Count, value=retries)
