"""Set-based statements for the batched strategy: one round trip per step, whatever the batch size."""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import psycopg
from psycopg import errors as pg_errors

from flashdeal.adapters.inventory import ORDER_COLUMNS, order_row
from flashdeal.errors import OrderAlreadySettledError
from flashdeal.orders import OrderMessage, OrderStatus

# Locks every shard that still has stock, in shard order (so two batches never deadlock), then takes
# the demand from the lowest shards first. Returns one row per shard touched plus the total left.
_TAKE_UNITS = """
WITH locked AS (
    SELECT shard_no, remaining FROM inventory_shards
    WHERE sale_id = %(sale)s AND remaining > 0 ORDER BY shard_no FOR UPDATE
), plan AS (
    SELECT shard_no, LEAST(remaining, %(demand)s - COALESCE(SUM(remaining) OVER (
        ORDER BY shard_no ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)) AS take
    FROM locked
), took AS (
    UPDATE inventory_shards s SET remaining = s.remaining - p.take
    FROM plan p WHERE s.sale_id = %(sale)s AND s.shard_no = p.shard_no AND p.take > 0
    RETURNING s.shard_no, p.take
)
SELECT shard_no, take, (SELECT SUM(remaining) FROM locked) - (SELECT SUM(take) FROM took) FROM took"""

_RETURN_UNITS = """
UPDATE inventory_shards s SET remaining = s.remaining + r.units
FROM unnest(%(shards)s::int[], %(units)s::int[]) AS r(shard_no, units)
WHERE s.sale_id = %(sale)s AND s.shard_no = r.shard_no"""

_RESERVE = """
INSERT INTO purchases (sale_id, user_id, purchased, purchase_limit)
SELECT %(sale)s, u.user_id, u.units, %(limit)s FROM unnest(%(users)s::text[], %(units)s::int[]) AS u(user_id, units)
ON CONFLICT (sale_id, user_id) DO UPDATE SET purchased = purchases.purchased + EXCLUDED.purchased
WHERE purchases.purchased + EXCLUDED.purchased <= purchases.purchase_limit
RETURNING user_id"""

_COPY_ORDERS = f"COPY orders ({ORDER_COLUMNS}) FROM STDIN"


def take_units(conn: psycopg.Connection, sale_id: UUID, demand: int) -> tuple[dict[int, int], int]:
    """Takes up to ``demand`` units: ({shard: units taken}, units left in the sale afterwards)."""
    rows = conn.execute(_TAKE_UNITS, {"sale": sale_id, "demand": demand}).fetchall()
    return {shard: take for shard, take, _ in rows}, int(rows[0][2]) if rows else 0


def return_units(conn: psycopg.Connection, sale_id: UUID, taken: dict[int, int], units: int) -> None:
    """Gives back ``units`` of what ``take_units`` took, to the shards it took them from (still locked)."""
    back: dict[int, int] = {}
    for shard, take in sorted(taken.items(), reverse=True):
        back[shard] = min(take, units - sum(back.values()))
    conn.execute(_RETURN_UNITS, {"sale": sale_id, "shards": list(back), "units": list(back.values())})


def reserve_purchases(conn: psycopg.Connection, sale_id: UUID, limit: int, units: dict[str, int]) -> set[str]:
    """Adds each buyer's units to their purchases; returns the buyers who stayed within the limit."""
    users = sorted(units)  # one lock order for every batch
    rows = conn.execute(
        _RESERVE, {"sale": sale_id, "limit": limit, "users": users, "units": [units[u] for u in users]}
    ).fetchall()
    return {row[0] for row in rows}


def insert_orders(
    conn: psycopg.Connection,
    outcomes: Iterable[tuple[OrderMessage, OrderStatus, str | None]],
    settled_at: datetime,
) -> None:
    """COPYs the final orders in; an order another delivery committed first aborts the whole batch."""
    try:
        with conn.cursor().copy(_COPY_ORDERS) as copy:
            for message, status, reason in outcomes:
                copy.write_row(order_row(message, status, reason, settled_at))
    except pg_errors.UniqueViolation as exc:
        raise OrderAlreadySettledError("an order in this batch was settled concurrently") from exc
