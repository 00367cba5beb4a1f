"""Taking one order's units, one way per single-row strategy. Each returns True when it left the sale exhausted.

The sharded strategy takes stock inside ``settle_sharded_order`` (adapters/one_call_settlement.py).

Call them inside a savepoint: a SoldOutError after a partial take must roll that take back.
"""

from collections.abc import Callable
from uuid import UUID

import psycopg
from aws_lambda_powertools.metrics import MetricUnit

from flashdeal.adapters.sale_rows import remaining_stock
from flashdeal.errors import InventoryContentionError, SoldOutError
from flashdeal.observability import metrics
from flashdeal.sales import SaleRules, Strategy

OPTIMISTIC_ATTEMPTS = 8

_TAKE_WHOLE = """
UPDATE inventory_shards SET remaining = remaining - %(q)s
WHERE sale_id = %(sale)s AND shard_no = %(shard)s AND remaining >= %(q)s
RETURNING remaining"""

TakeStock = Callable[[psycopg.Connection, UUID, SaleRules, int], bool]


def take_naive(conn: psycopg.Connection, sale_id: UUID, rules: SaleRules, quantity: int) -> bool:
    """Phase 1: lock the row, look, then write. The lock is held until the order commits."""
    row = conn.execute(
        "SELECT remaining FROM inventory_shards WHERE sale_id = %s AND shard_no = 0 FOR UPDATE", (sale_id,)
    ).fetchone()
    remaining = row[0] if row else 0
    if remaining < quantity:
        raise SoldOutError(exhausted=remaining == 0)
    conn.execute(
        "UPDATE inventory_shards SET remaining = %s, version = version + 1 WHERE sale_id = %s AND shard_no = 0",
        (remaining - quantity, sale_id),
    )
    return remaining == quantity


def take_atomic(conn: psycopg.Connection, sale_id: UUID, rules: SaleRules, quantity: int) -> bool:
    """One conditional UPDATE: the check and the write are one statement, no explicit lock."""
    row = conn.execute(_TAKE_WHOLE, {"q": quantity, "sale": sale_id, "shard": 0}).fetchone()
    if row is None:
        raise SoldOutError(exhausted=remaining_stock(conn, sale_id) == 0)
    return bool(row[0] == 0)


def take_optimistic(conn: psycopg.Connection, sale_id: UUID, rules: SaleRules, quantity: int) -> bool:
    """Read without a lock, write only if nobody wrote in between; retry a bounded number of times."""
    for attempt in range(OPTIMISTIC_ATTEMPTS):
        row = conn.execute(
            "SELECT remaining, version FROM inventory_shards WHERE sale_id = %s AND shard_no = 0", (sale_id,)
        ).fetchone()
        remaining, version = row if row else (0, 0)
        if remaining < quantity:
            raise SoldOutError(exhausted=remaining == 0)
        written = conn.execute(
            "UPDATE inventory_shards SET remaining = remaining - %s, version = version + 1"
            " WHERE sale_id = %s AND shard_no = 0 AND version = %s",
            (quantity, sale_id, version),
        ).rowcount
        if written:
            _count_retries(attempt)
            return remaining == quantity
    _count_retries(OPTIMISTIC_ATTEMPTS)
    raise InventoryContentionError(f"stale version {OPTIMISTIC_ATTEMPTS} times in a row; the order will be retried")


def _count_retries(retries: int) -> None:
    if retries:
        metrics.add_metric(name="OptimisticRetries", unit=MetricUnit.Count, value=retries)


TAKE_STOCK: dict[Strategy, TakeStock] = {
    Strategy.NAIVE: take_naive,
    Strategy.ATOMIC: take_atomic,
    Strategy.OPTIMISTIC: take_optimistic,
}
