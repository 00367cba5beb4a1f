"""Settling one sharded order in one round trip: ``settle_sharded_order`` (db/migrations/0004).

The function runs the replay check, the buyer's reservation, the take (a random shard, then across the
shards) and the order's INSERT as one statement, so on the worker's autocommit connection one order is
one network wait. The first shard to try is drawn here, at random, so buyers spread over the shards.
"""

import random
from datetime import datetime

import psycopg
from psycopg import errors as pg_errors

from flashdeal.adapters.postgres import database_errors
from flashdeal.errors import OrderAlreadySettledError
from flashdeal.orders import OrderMessage, OrderStatus, Settlement
from flashdeal.sales import SaleRules

_SETTLE = (
    "SELECT status, reason, sold_out, replayed, settled_at FROM settle_sharded_order("
    "%(order)s, %(sale)s, %(user)s, %(quantity)s, %(key)s, %(accepted)s, %(now)s, %(limit)s, %(shards)s, "
    "%(start)s, %(open)s)"
)


def settle_sharded(conn: psycopg.Connection, message: OrderMessage, rules: SaleRules, now: datetime) -> Settlement:
    """The order's settlement: new, or (``replayed``) the one an earlier delivery made."""
    params = {
        "order": message.order_id,
        "sale": message.sale_id,
        "user": message.user_id,
        "quantity": message.quantity,
        "key": message.idempotency_key,
        "accepted": message.accepted_at,
        "now": now,
        "limit": rules.per_user_limit,
        "shards": rules.shards,
        "start": random.randrange(rules.shards),
        "open": rules.open_at(message.accepted_at),
    }
    with database_errors():
        try:
            row = conn.execute(_SETTLE, params).fetchone()
        except pg_errors.UniqueViolation as exc:
            raise OrderAlreadySettledError(f"order {message.order_id} was settled concurrently") from exc
    assert row is not None  # the function returns one row, always
    status, reason, sold_out, replayed, settled_at = row
    return Settlement(
        order_id=message.order_id,
        sale_id=message.sale_id,
        user_id=message.user_id,
        quantity=message.quantity,
        status=OrderStatus(status),
        reason=reason,
        replayed=replayed,
        sold_out=sold_out,
        settled_at=settled_at,
        accepted_at=message.accepted_at,
    )
