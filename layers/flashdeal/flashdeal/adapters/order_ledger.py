"""Orders and purchases in Postgres, the source of truth: settled orders and what each buyer has bought."""

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import errors as pg_errors

from flashdeal.errors import (
    OrderAlreadySettledError,
    PurchaseLimitReachedError,
)
from flashdeal.orders import OrderMessage, OrderStatus, Settlement

_SETTLED = "SELECT order_id, sale_id, user_id, quantity, status, reason, settled_at, accepted_at FROM orders"


def find_settlement(conn: psycopg.Connection, order_id: UUID) -> Settlement | None:
    row = conn.execute(f"{_SETTLED} WHERE order_id = %s", (order_id,)).fetchone()
    return None if row is None else _settlement(row)


def find_settlements(conn: psycopg.Connection, order_ids: list[UUID]) -> dict[UUID, Settlement]:
    rows = conn.execute(f"{_SETTLED} WHERE order_id = ANY(%s)", (order_ids,)).fetchall()
    return {row[0]: _settlement(row) for row in rows}


def _settlement(row: tuple[Any, ...]) -> Settlement:
    order_id, sale_id, user_id, quantity, status, reason, settled_at, accepted_at = row
    return Settlement(
        order_id=order_id,
        sale_id=sale_id,
        user_id=user_id,
        quantity=quantity,
        status=OrderStatus(status),
        reason=reason,
        replayed=True,
        settled_at=settled_at,
        accepted_at=accepted_at,
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
