"""Set-based statements for the batched strategy: one round trip per step, whatever the batch size.

``take_across_shards`` also serves the sharded strategy when an order's shard is short.
"""

import random
from datetime import datetime
from uuid import UUID

import psycopg
from psycopg import errors as pg_errors

from flashdeal.adapters.order_ledger import ORDER_COLUMNS
from flashdeal.adapters.sale_rows import remaining_stock
from flashdeal.errors import OrderAlreadySettledError
from flashdeal.orders import OrderMessage, messages_as_json

# The whole demand from one shard that has it, starting at a random shard. With SKIP LOCKED it never
# waits (another batch holds that shard: try the next); without, it waits for one shard only. The
# scalar subquery runs once; as a joined subquery it could be rescanned and lock (and take) twice.
_TAKE_FROM_ONE = """
UPDATE inventory_shards SET remaining = remaining - %(demand)s
WHERE sale_id = %(sale)s AND shard_no = (
    SELECT shard_no FROM inventory_shards WHERE sale_id = %(sale)s AND remaining >= %(demand)s
    ORDER BY (shard_no + %(shards)s - %(start)s) %% %(shards)s LIMIT 1 FOR UPDATE {skip})
RETURNING shard_no, remaining"""
_TAKE_FROM_FREE_SHARD = _TAKE_FROM_ONE.format(skip="SKIP LOCKED")
_TAKE_FROM_ANY_SHARD = _TAKE_FROM_ONE.format(skip="")

# No single shard has the demand (the end of a sale): lock every shard with stock, in shard order, so
# two batches here never deadlock, and take across them. One row per shard touched, plus the total left.
_TAKE_ACROSS_SHARDS = """
WITH locked AS MATERIALIZED (
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
FROM unnest(%(shards)b::int[], %(units)b::int[]) AS r(shard_no, units)
WHERE s.sale_id = %(sale)s AND s.shard_no = r.shard_no"""

_RESERVE = """
INSERT INTO purchases (sale_id, user_id, purchased, purchase_limit)
SELECT %(sale)s, u.user_id, u.units, %(limit)s FROM unnest(%(users)b::text[], %(units)b::int[]) AS u(user_id, units)
ON CONFLICT (sale_id, user_id) DO UPDATE SET purchased = purchases.purchased + EXCLUDED.purchased
WHERE purchases.purchased + EXCLUDED.purchased <= purchases.purchase_limit
RETURNING user_id"""

_RELEASE = """
WITH back AS (SELECT * FROM unnest(%(users)b::text[], %(units)b::int[]) AS b(user_id, units)),
gone AS (
    DELETE FROM purchases p USING back b
    WHERE p.sale_id = %(sale)s AND p.user_id = b.user_id AND p.purchased = b.units
)
UPDATE purchases p SET purchased = p.purchased - b.units FROM back b
WHERE p.sale_id = %(sale)s AND p.user_id = b.user_id AND p.purchased > b.units"""

# The batch travels as one JSON document: Postgres unpacks it, Python dumps no per-row parameters.
_INSERT_NEW = f"""
INSERT INTO orders ({ORDER_COLUMNS})
SELECT o.order_id, o.sale_id, o.user_id, o.quantity,
       CASE WHEN r.order_id IS NULL THEN 'CONFIRMED' ELSE 'REJECTED' END, r.reason,
       o.idempotency_key, o.accepted_at, %(settled)s
FROM jsonb_to_recordset(%(orders)s::jsonb)
     AS o(order_id uuid, sale_id uuid, user_id text, quantity int, idempotency_key text, accepted_at timestamptz)
LEFT JOIN unnest(%(rejected)b::uuid[], %(reasons)b::text[]) AS r(order_id, reason) ON r.order_id = o.order_id
ON CONFLICT (order_id) DO NOTHING
RETURNING order_id"""

_REJECT = """
UPDATE orders o SET status = 'REJECTED', reason = r.reason
FROM unnest(%(ids)b::uuid[], %(reasons)b::text[]) AS r(order_id, reason) WHERE o.order_id = r.order_id"""


def take_units(conn: psycopg.Connection, sale_id: UUID, shards: int, demand: int) -> tuple[dict[int, int], int]:
    """Takes up to ``demand`` units: ({shard: units taken}, units left in the sale afterwards, at least)."""
    params = {"sale": sale_id, "demand": demand, "shards": shards, "start": random.randrange(shards)}
    for statement in (_TAKE_FROM_FREE_SHARD, _TAKE_FROM_ANY_SHARD):
        row = conn.execute(statement, params).fetchone()
        if row is not None:
            shard, left = row
            return {shard: demand}, left or remaining_stock(conn, sale_id)
    return take_across_shards(conn, sale_id, demand)


def take_across_shards(conn: psycopg.Connection, sale_id: UUID, demand: int) -> tuple[dict[int, int], int]:
    """Up to ``demand`` units from every shard with stock, locked in shard order (no deadlock between two
    takers): ({shard: units taken}, units left in the sale afterwards). Short means the sale had less."""
    rows = conn.execute(_TAKE_ACROSS_SHARDS, {"sale": sale_id, "demand": demand}).fetchall()
    return {shard: take for shard, take, _ in rows}, int(rows[0][2]) if rows else 0


def return_units(conn: psycopg.Connection, sale_id: UUID, taken: dict[int, int], units: int) -> None:
    """Gives back ``units`` of what ``take_units`` took, to the shards it took them from (still locked)."""
    back: dict[int, int] = {}
    for shard, take in sorted(taken.items(), reverse=True):
        back[shard] = min(take, units - sum(back.values()))
    conn.execute(_RETURN_UNITS, {"sale": sale_id, "shards": list(back), "units": list(back.values())})


def reserve_purchases(conn: psycopg.Connection, sale_id: UUID, limit: int, units: dict[str, int]) -> set[str]:
    """Adds each buyer's units to their purchases; returns the buyers who stayed within the limit."""
    rows = conn.execute(_RESERVE, {"sale": sale_id, "limit": limit, **_by_buyer(units)}).fetchall()
    return {row[0] for row in rows}


def release_purchases(conn: psycopg.Connection, sale_id: UUID, units: dict[str, int]) -> None:
    """Undoes ``reserve_purchases`` for orders that got no stock; a buyer left with nothing loses the row."""
    conn.execute(_RELEASE, {"sale": sale_id, **_by_buyer(units)})


def _by_buyer(units: dict[str, int]) -> dict[str, list[str] | list[int]]:
    """Buyers and their units as two arrays, buyers sorted: every batch locks purchase rows in one order."""
    users = sorted(units)
    return {"users": users, "units": [units[u] for u in users]}


def insert_new_orders(
    conn: psycopg.Connection, orders: list[OrderMessage], rejections: dict[UUID, str], settled_at: datetime
) -> set[UUID]:
    """Inserts the orders not settled before, CONFIRMED unless ``rejections`` says otherwise; returns their ids.

    A concurrent delivery of the same order is waited for, not raced: its row wins and is not returned.
    """
    params = {
        "orders": messages_as_json(orders),
        "rejected": list(rejections),
        "reasons": list(rejections.values()),
        "settled": settled_at,
    }
    try:
        rows = conn.execute(_INSERT_NEW, params).fetchall()
    except pg_errors.UniqueViolation as exc:  # same (buyer, sale, key) under another order id: a forged message
        raise OrderAlreadySettledError("an order in this batch conflicts with a settled one") from exc
    return {row[0] for row in rows}


def reject_orders(conn: psycopg.Connection, rejections: dict[UUID, str]) -> None:
    """Turns orders this transaction inserted as CONFIRMED into REJECTED, with their reasons."""
    conn.execute(_REJECT, {"ids": list(rejections), "reasons": list(rejections.values())})
