"""Sales, shards, purchases and orders in Postgres: the source of truth for stock."""

import random
from datetime import datetime
from uuid import UUID

import psycopg
from psycopg import errors as pg_errors

from flashdeal.errors import (
    OrderAlreadySettledError,
    PurchaseLimitReachedError,
    SaleNotFoundError,
    SoldOutError,
)
from flashdeal.orders import OrderMessage, OrderStatus, Settlement
from flashdeal.sales import Sale

_TAKE_WHOLE = """
UPDATE inventory_shards SET remaining = remaining - %(q)s
WHERE sale_id = %(sale)s AND shard_no = %(shard)s AND remaining >= %(q)s
RETURNING remaining"""

_TAKE_PART = """
UPDATE inventory_shards s SET remaining = s.remaining - t.take
FROM (SELECT shard_no, LEAST(remaining, %(q)s) AS take FROM inventory_shards
      WHERE sale_id = %(sale)s AND shard_no = %(shard)s AND remaining > 0 FOR UPDATE) t
WHERE s.sale_id = %(sale)s AND s.shard_no = t.shard_no
RETURNING t.take"""


def insert_sale(conn: psycopg.Connection, sale: Sale) -> None:
    conn.execute(
        "INSERT INTO sales (sale_id, name, inventory, shard_count, starts_at, ends_at, per_user_limit,"
        " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            sale.sale_id,
            sale.name,
            sale.inventory,
            sale.shards,
            sale.starts_at,
            sale.ends_at,
            sale.per_user_limit,
            sale.created_at,
        ),
    )
    conn.execute(
        "INSERT INTO inventory_shards (sale_id, shard_no, initial, remaining)"
        " SELECT %(sale)s, n, %(base)s + (n < %(extra)s)::int, %(base)s + (n < %(extra)s)::int"
        " FROM generate_series(0, %(shards)s - 1) AS n",
        {
            "sale": sale.sale_id,
            "base": sale.inventory // sale.shards,
            "extra": sale.inventory % sale.shards,
            "shards": sale.shards,
        },
    )


def get_sale_rules(conn: psycopg.Connection, sale_id: UUID) -> tuple[int, int]:
    """(shard count, per-user limit) of a sale."""
    row = conn.execute("SELECT shard_count, per_user_limit FROM sales WHERE sale_id = %s", (sale_id,)).fetchone()
    if row is None:
        raise SaleNotFoundError(f"sale {sale_id} does not exist")
    return row[0], row[1]


def find_settlement(conn: psycopg.Connection, order_id: UUID) -> Settlement | None:
    row = conn.execute(
        "SELECT order_id, sale_id, user_id, quantity, status, reason, settled_at FROM orders WHERE order_id = %s",
        (order_id,),
    ).fetchone()
    if row is None:
        return None
    order_id, sale_id, user_id, quantity, status, reason, settled_at = row
    return Settlement(
        order_id=order_id,
        sale_id=sale_id,
        user_id=user_id,
        quantity=quantity,
        status=OrderStatus(status),
        reason=reason,
        replayed=True,
        settled_at=settled_at,
    )


def reserve_purchase(conn: psycopg.Connection, message: OrderMessage, limit: int) -> None:
    if message.quantity > limit:
        raise PurchaseLimitReachedError("the quantity exceeds the per-user limit")
    row = conn.execute(
        "INSERT INTO purchases (sale_id, user_id, purchased, purchase_limit) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (sale_id, user_id) DO UPDATE SET purchased = purchases.purchased + EXCLUDED.purchased"
        " WHERE purchases.purchased + EXCLUDED.purchased <= purchases.purchase_limit RETURNING purchased",
        (message.sale_id, message.user_id, message.quantity, limit),
    ).fetchone()
    if row is None:
        raise PurchaseLimitReachedError("this buyer has reached the sale's purchase limit")


def take_stock(conn: psycopg.Connection, sale_id: UUID, shard_count: int, quantity: int) -> bool:
    """Takes ``quantity`` units, from a random shard first, then across the others.

    Returns True when the sale is now exhausted. Raises SoldOutError (with ``exhausted``)
    when the units are not there; call it inside a savepoint so partial takes roll back.
    """
    start = random.randrange(shard_count)
    row = conn.execute(_TAKE_WHOLE, {"q": quantity, "sale": sale_id, "shard": start}).fetchone()
    if row is not None:
        return row[0] == 0 and remaining_stock(conn, sale_id) == 0
    candidates = conn.execute(
        "SELECT shard_no, remaining FROM inventory_shards WHERE sale_id = %s AND remaining > 0", (sale_id,)
    ).fetchall()
    available = sum(remaining for _, remaining in candidates)
    if available < quantity:
        raise SoldOutError("the sale is sold out", exhausted=available == 0)
    need = quantity
    for shard, _ in sorted(candidates, key=lambda c: (c[0] - start) % shard_count):
        taken = conn.execute(_TAKE_PART, {"q": need, "sale": sale_id, "shard": shard}).fetchone()
        need -= taken[0] if taken else 0
        if need == 0:
            return remaining_stock(conn, sale_id) == 0
    raise SoldOutError("the sale is sold out", exhausted=False)


def remaining_stock(conn: psycopg.Connection, sale_id: UUID) -> int:
    row = conn.execute(
        "SELECT COALESCE(SUM(remaining), 0) FROM inventory_shards WHERE sale_id = %s", (sale_id,)
    ).fetchone()
    return int(row[0]) if row else 0


def insert_order(
    conn: psycopg.Connection,
    message: OrderMessage,
    status: OrderStatus,
    reason: str | None,
    settled_at: datetime,
) -> None:
    try:
        conn.execute(
            "INSERT INTO orders (order_id, sale_id, user_id, quantity, status, reason, idempotency_key,"
            " accepted_at, settled_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                message.order_id,
                message.sale_id,
                message.user_id,
                message.quantity,
                status.value,
                reason,
                message.idempotency_key,
                message.accepted_at,
                settled_at,
            ),
        )
    except pg_errors.UniqueViolation as exc:
        raise OrderAlreadySettledError(f"order {message.order_id} was settled concurrently") from exc
