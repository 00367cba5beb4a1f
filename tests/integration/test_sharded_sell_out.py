"""The last units of a sharded sale, raced for by many workers: no deadlock, so no order waits for SQS.

Near sell-out the random shard is often empty and orders fall back to taking across the shards in shard
order. An UPDATE that lost the race for its random shard still held that row's lock, out of shard order,
and Postgres broke the resulting deadlocks by failing orders, which SQS then delivered again only after
the visibility timeout. Postgres counts deadlocks per database; a worker's backend reports its count
when it disconnects, so the pool is closed before the count is read.
"""

from uuid import UUID

from flashlab.workers import WorkerPool, at_least_once
from tests.factories import an_order

WORKERS, UNITS, SHARDS, ORDERS, BATCH, SALES = 16, 100, 8, 600, 5, 4


def deadlocks(conn) -> int:
    conn.execute("SELECT pg_stat_clear_snapshot()")
    return conn.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").fetchone()[0]


def test_racing_for_the_last_units_makes_no_deadlock(stack, database, conn, make_sale):
    sales = [UUID(make_sale(inventory=UNITS, shards=SHARDS)["sale_id"]) for _ in range(SALES)]
    before = deadlocks(conn)
    with WorkerPool(WORKERS, stack.resources.environment(stack.worker, database.url), publish=False) as pool:
        for sale_id in sales:  # a fifth of the orders delivered twice, as SQS may
            delivered = pool.deliver(at_least_once([an_order(sale_id) for _ in range(ORDERS)], 0.2), BATCH, 30)
            assert not delivered.still_failing
    confirmed = conn.execute(
        "SELECT sale_id, count(*) FROM orders WHERE sale_id = ANY(%s) AND status = 'CONFIRMED' GROUP BY sale_id",
        (sales,),
    ).fetchall()
    assert dict(confirmed) == dict.fromkeys(sales, UNITS)
    assert deadlocks(conn) - before == 0
