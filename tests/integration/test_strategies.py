"""Every inventory strategy, under the same contention: concurrent workers, redeliveries, greedy buyers.

The workers run the real handler; only its DynamoDB stage is swapped for a recorder (publish=False),
so this suite is about Postgres. test_concurrency.py covers the full pipeline for the default strategy.
"""

from collections import Counter
from uuid import UUID, uuid4

import pytest

from flashdeal.orders import OrderMessage
from flashdeal.sales import Strategy
from flashlab.workers import WorkerPool, at_least_once
from tests.factories import an_order

WORKERS, BUYERS, UNITS, BATCH, MAX_ROUNDS, DUPLICATE_SHARE = 16, 400, 100, 10, 30, 0.2


@pytest.fixture(scope="module")
def pool(stack, database):
    with WorkerPool(WORKERS, stack.resources.environment(stack.worker, database.url), publish=False) as workers:
        yield workers


def orders_for(sale_id: UUID) -> list[OrderMessage]:
    """400 buyers with one order each; every fifth buyer tries a second time with a new key (limit 1)."""
    orders = []
    for n in range(BUYERS):
        buyer = f"buyer-{n}-{uuid4().hex[:6]}"
        for attempt in range(2 if n % 5 == 0 else 1):
            orders.append(an_order(sale_id, buyer, key=f"key-{attempt}"))
    return orders


@pytest.fixture(scope="module", params=list(Strategy))
def contended(request, pool, make_sale_module):
    """GIVEN a 100-unit sale with the strategy, WHEN 16 workers settle 480 orders and 96 redeliveries."""
    shards = 1 if request.param.single_row else 8
    sale = make_sale_module(inventory=UNITS, shards=shards, strategy=request.param.value)
    assert sale["sale"]["strategy"] == request.param.value
    sale_id = UUID(sale["sale_id"])
    orders = orders_for(sale_id)
    delivered = pool.deliver(at_least_once(orders, DUPLICATE_SHARE), BATCH, MAX_ROUNDS)
    assert not delivered.still_failing, f"{len(delivered.still_failing)} still failing after {MAX_ROUNDS} rounds"
    return sale_id, orders, delivered.settled


def test_exactly_the_inventory_is_confirmed(contended, conn):
    sale_id, orders, _ = contended
    statuses = dict(
        conn.execute("SELECT status, count(*) FROM orders WHERE sale_id = %s GROUP BY status", (sale_id,)).fetchall()
    )
    assert statuses == {"CONFIRMED": UNITS, "REJECTED": len(orders) - UNITS}


def test_no_shard_goes_below_zero_and_stock_moved_once_per_unit(contended, conn):
    sale_id, _, _ = contended
    rows = conn.execute("SELECT initial, remaining FROM inventory_shards WHERE sale_id = %s", (sale_id,)).fetchall()
    assert min(remaining for _, remaining in rows) >= 0
    assert sum(initial - remaining for initial, remaining in rows) == UNITS


def test_every_order_is_final_exactly_once(contended, conn):
    sale_id, orders, _ = contended
    rows = conn.execute("SELECT order_id FROM orders WHERE sale_id = %s", (sale_id,)).fetchall()
    assert Counter(r[0] for r in rows) == Counter({o.order_id: 1 for o in orders})


def test_no_buyer_gets_more_than_the_limit(contended, conn):
    sale_id, _, _ = contended
    per_buyer = conn.execute(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM orders WHERE sale_id = %s AND status = 'CONFIRMED'"
        " GROUP BY user_id) b",
        (sale_id,),
    ).fetchone()[0]
    purchased = conn.execute("SELECT sum(purchased) FROM purchases WHERE sale_id = %s", (sale_id,)).fetchone()[0]
    assert per_buyer == 1
    assert purchased == UNITS  # no reservation leaked from a rejected order


def test_every_delivery_reported_the_stored_outcome(contended, conn):
    sale_id, _, settled = contended
    stored = dict(conn.execute("SELECT order_id::text, status FROM orders WHERE sale_id = %s", (sale_id,)).fetchall())
    assert all(stored[order_id] == status for order_id, status, _ in settled)  # redeliveries agree
    first_times = Counter(order_id for order_id, _, replayed in settled if not replayed)
    assert set(first_times) == set(stored)
    assert max(first_times.values()) == 1
