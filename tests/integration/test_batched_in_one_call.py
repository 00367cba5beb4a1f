"""A batched sale's batch settles in one round trip and one transaction while one shard has its units
(db/migrations/0010); at the end of a sale the call writes nothing and the batch goes statement by
statement, first come first served across the shards."""

from collections import Counter
from uuid import UUID

from flashdeal.adapters.sale_rows import get_sale_rules
from flashdeal.errors import PurchaseLimitReachedError, SoldOutError
from flashdeal.orders import OrderStatus, Settlement
from flashdeal.settlement.batch import settle_batch
from tests.factories import an_order
from tests.integration.wire import round_trips


def settle(conn, messages):
    bodies = {f"m{i}": m.model_dump_json() for i, m in enumerate(messages)}
    with round_trips(conn) as counted:
        outcomes = settle_batch(bodies, conn)
    assert all(isinstance(o, Settlement) for o in outcomes.values()), outcomes
    return [outcomes[f"m{i}"] for i in range(len(messages))], counted.total


def stock_and_purchases(conn, sale_id):
    return conn.execute(
        "SELECT (SELECT sum(remaining) FROM inventory_shards WHERE sale_id = %(s)s),"
        " (SELECT coalesce(sum(purchased), 0) FROM purchases WHERE sale_id = %(s)s),"
        " (SELECT count(DISTINCT xmin::text) FROM orders WHERE sale_id = %(s)s)",
        {"s": sale_id},
    ).fetchone()


def test_a_batch_one_shard_can_cover_is_one_round_trip_and_one_transaction(conn, make_sale):
    sale = make_sale(inventory=100, shards=4, strategy="batched", per_user_limit=2)
    sale_id = UUID(sale["sale_id"])
    get_sale_rules(conn, sale_id)  # cached per environment, as in the worker
    settled, trips = settle(conn, [an_order(sale_id, quantity=2) for _ in range(10)])
    assert trips == 1
    assert {s.status for s in settled} == {OrderStatus.CONFIRMED}
    assert stock_and_purchases(conn, sale_id) == (80, 20, 1)


def test_a_buyer_at_the_limit_is_refused_in_the_same_round_trip_and_keeps_nothing(conn, make_sale):
    # GIVEN a buyer who already bought the limit, and another who has one unit of two left
    sale = make_sale(inventory=100, shards=4, strategy="batched", per_user_limit=2)
    sale_id = UUID(sale["sale_id"])
    settle(conn, [an_order(sale_id, "greedy", quantity=2, key="k1"), an_order(sale_id, "careful", key="k1")])
    # WHEN both order again in one batch with two new buyers (careful twice: two units more than the one left)
    batch = [
        an_order(sale_id, "greedy", key="k2"),
        an_order(sale_id, "careful", key="k2"),
        an_order(sale_id, "new-1"),
        an_order(sale_id, "careful", key="k3"),
        an_order(sale_id, "new-2"),
    ]
    settled, trips = settle(conn, batch)
    # THEN one round trip settles all five: greedy is refused, and careful, refused as a group, gets the first
    # order through when the call tries careful's orders one at a time
    assert trips == 1
    assert [(s.status, s.reason) for s in settled] == [
        (OrderStatus.REJECTED, PurchaseLimitReachedError.code),
        (OrderStatus.CONFIRMED, None),
        (OrderStatus.CONFIRMED, None),
        (OrderStatus.REJECTED, PurchaseLimitReachedError.code),
        (OrderStatus.CONFIRMED, None),
    ]
    remaining, purchased, _ = stock_and_purchases(conn, sale_id)
    assert (remaining, purchased) == (100 - 3 - 3, 3 + 3)


def test_a_batch_no_shard_can_cover_goes_first_come_first_served_across_the_shards(conn, make_sale):
    # GIVEN 5 units over 4 shards, so no shard has the 8 units a batch of eight orders asks for
    sale = make_sale(inventory=5, shards=4, strategy="batched")
    sale_id = UUID(sale["sale_id"])
    get_sale_rules(conn, sale_id)
    settled, trips = settle(conn, [an_order(sale_id) for _ in range(8)])
    # THEN the one call wrote nothing, and the batch went statement by statement: the first five get a unit
    assert trips > 2
    assert [s.status for s in settled] == [OrderStatus.CONFIRMED] * 5 + [OrderStatus.REJECTED] * 3
    assert Counter(s.reason for s in settled[5:]) == {SoldOutError.code: 3}
    assert [s.sold_out for s in settled] == [True] + [False] * 7
    assert stock_and_purchases(conn, sale_id) == (0, 5, 1)
