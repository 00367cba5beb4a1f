"""A batch's orders go to Postgres in one call (db/migrations/0005), bounded by the statement timeout.

The procedure starts another order only while two lock timeouts are left of the statement timeout; the
orders it did not start go in another call. A call that fails whole keeps the orders it committed, and
their redelivery finds them.
"""

from datetime import UTC, datetime
from uuid import UUID

import psycopg

from flashdeal.adapters.sale_rows import get_sale_rules
from flashdeal.errors import StoreUnavailableError
from flashdeal.orders import OrderStatus, Settlement
from flashdeal.settlement.single import settle_orders
from tests.factories import an_order
from tests.integration.wire import round_trips


def test_orders_a_call_did_not_start_go_in_the_next_call(conn, make_sale):
    # GIVEN a statement timeout that leaves no room past two lock timeouts: one order per call
    conn.execute("SET statement_timeout = '4s'")
    conn.execute("SET lock_timeout = '2s'")
    sale = make_sale(inventory=10, shards=4)
    rules = get_sale_rules(conn, UUID(sale["sale_id"]))
    messages = {f"m{i}": an_order(sale["sale_id"]) for i in range(3)}
    # WHEN the three are settled
    with round_trips(conn) as counted:
        outcomes = settle_orders(conn, messages, rules, datetime.now(UTC))
    # THEN each went in its own call, and all three confirmed
    assert counted.total == 3
    assert [o.status for o in outcomes.values() if isinstance(o, Settlement)] == [OrderStatus.CONFIRMED] * 3


def test_a_call_that_fails_whole_keeps_what_it_committed_and_a_redelivery_finds_it(conn, database, make_sale):
    sale = make_sale(inventory=10, shards=1, strategy="naive")
    rules = get_sale_rules(conn, UUID(sale["sale_id"]))
    first, second, blocked = (an_order(sale["sale_id"]) for _ in range(3))
    messages = {"a": first, "b": second, "c": blocked}
    # GIVEN another session holds the third buyer's purchase row, and no lock timeout to give up on it
    conn.execute("SET lock_timeout = 0")
    conn.execute("SET statement_timeout = '300ms'")
    with psycopg.connect(database.url) as other:
        other.execute(
            "INSERT INTO purchases (sale_id, user_id, purchased, purchase_limit) VALUES (%s, %s, 1, 5)",
            (blocked.sale_id, blocked.user_id),
        )
        # WHEN the call runs into the statement timeout on the third order
        outcomes = settle_orders(conn, messages, rules, datetime.now(UTC))
        other.rollback()
    # THEN every record fails (SQS delivers them again), and the two orders before it stay committed
    assert all(isinstance(o, StoreUnavailableError) for o in outcomes.values())
    stored = {r[0] for r in conn.execute("SELECT order_id FROM orders WHERE sale_id = %s", (first.sale_id,))}
    assert stored == {first.order_id, second.order_id}
    # AND the redelivery replays the two and settles the third
    conn.execute("SET statement_timeout = '5s'")
    again = settle_orders(conn, messages, rules, datetime.now(UTC))
    assert {k: (o.status, o.replayed) for k, o in again.items() if isinstance(o, Settlement)} == {
        "a": (OrderStatus.CONFIRMED, True),
        "b": (OrderStatus.CONFIRMED, True),
        "c": (OrderStatus.CONFIRMED, False),
    }


def test_only_the_order_that_takes_a_sharded_sale_s_last_unit_marks_it_sold_out(conn, make_sale):
    # GIVEN a sale of 6 units over 3 shards: orders leave their shard with units, empty it, or sweep the rest
    sale = make_sale(inventory=6, shards=3)
    rules = get_sale_rules(conn, UUID(sale["sale_id"]))
    messages = {f"m{i}": an_order(sale["sale_id"]) for i in range(7)}
    # WHEN seven orders of one unit settle in one call
    outcomes = settle_orders(conn, messages, rules, datetime.now(UTC))
    settled = [o for o in outcomes.values() if isinstance(o, Settlement)]
    # THEN the sixth is the first to say the sale sold out; the seventh is rejected, finding nothing left
    assert [(o.status, o.sold_out) for o in settled] == [(OrderStatus.CONFIRMED, False)] * 5 + [
        (OrderStatus.CONFIRMED, True),
        (OrderStatus.REJECTED, True),
    ]
