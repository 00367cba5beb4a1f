"""Sales, purchases and orders in Postgres: the source of truth. Stock takes live in ``stock``."""

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import errors as pg_errors

from flashdeal.errors import (
    OrderAlreadySettledError,
    PurchaseLimitReachedError,
    SaleNotFoundError,
)
from flashdeal.orders import OrderMessage, OrderStatus, Settlement
from flashdeal.sales import Sale, SaleRules, Strategy


def insert_sale(conn: psycopg.Connection, sale: Sale) -> None:
    conn.execute(
        "INSERT INTO sales (sale_id, name, inventory, shard_count, strategy, starts_at, ends_at, per_user_limit,"
        " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            sale.sale_id,
            sale.name,
            sale.inventory,
            sale.shards,
            sale.strategy.value,
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


_rules: dict[UUID, SaleRules] = {}  # a sale's rules never change: cached while the environment is warm


def get_sale_rules(conn: psycopg.Connection, sale_id: UUID) -> SaleRules:
    if sale_id not in _rules:
        row = conn.execute(
            "SELECT strategy, shard_count, per_user_limit, starts_at, ends_at FROM sales WHERE sale_id = %s",
            (sale_id,),
        ).fetchone()
        if row is None:
            raise SaleNotFoundError(f"sale {sale_id} does not exist")
        strategy, shards, limit, starts_at, ends_at = row
        _rules[sale_id] = SaleRules(
            strategy=Strategy(strategy), shards=shards, per_user_limit=limit, starts_at=starts_at, ends_at=ends_at
        )
    return _rules[sale_id]


_SETTLED = "SELECT order_id, sale_id, user_id, quantity, status, reason, settled_at FROM orders"


def find_settlement(conn: psycopg.Connection, order_id: UUID) -> Settlement | None:
    row = conn.execute(f"{_SETTLED} WHERE order_id = %s", (order_id,)).fetchone()
    return None if row is None else _settlement(row)


def find_settlements(conn: psycopg.Connection, order_ids: list[UUID]) -> dict[UUID, Settlement]:
    rows = conn.execute(f"{_SETTLED} WHERE order_id = ANY(%s)", (order_ids,)).fetchall()
    return {row[0]: _settlement(row) for row in rows}


def _settlement(row: tuple[Any, ...]) -> Settlement:
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


def remaining_stock(conn: psycopg.Connection, sale_id: UUID) -> int:
    row = conn.execute(
        "SELECT COALESCE(SUM(remaining), 0) FROM inventory_shards WHERE sale_id = %s", (sale_id,)
    ).fetchone()
    return int(row[0]) if row else 0


ORDER_COLUMNS = "order_id, sale_id, user_id, quantity, status, reason, idempotency_key, accepted_at, settled_at"


def insert_order(
    conn: psycopg.Connection,
    message: OrderMessage,
    status: OrderStatus,
    reason: str | None,
    settled_at: datetime,
) -> None:
    try:
        conn.execute(
            f"INSERT INTO orders ({ORDER_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
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
