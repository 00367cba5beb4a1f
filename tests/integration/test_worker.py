"""The worker handler in-process: SQS-shaped batches against the real Postgres and moto's DynamoDB."""

import json
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import psycopg
import pytest

from flashdeal.errors import InventoryContentionError, StoreUnavailableError
from flashdeal.orders import OrderMessage, OrderStatus, OrderView
from flashdeal.sales import SaleView
from flashdeal.settlement import processor as processor_module
from flashdeal.settlement.batch import settle_batch
from flashlab.local import emf
from tests.factories import an_order


def deliver(stack, *messages: OrderMessage | str) -> set[int]:
    """One batch; returns the positions the worker reported as failed."""
    bodies = [m if isinstance(m, str) else m.model_dump_json() for m in messages]
    ids = [f"m{i}" for i in range(len(bodies))]
    failures = stack.deliver(bodies, ids)["batchItemFailures"]
    return {ids.index(f["itemIdentifier"]) for f in failures}


def stock(conn, sale_id) -> list[int]:
    rows = conn.execute("SELECT remaining FROM inventory_shards WHERE sale_id = %s ORDER BY shard_no", (sale_id,))
    return [r[0] for r in rows]


def outcome(conn, msg: OrderMessage) -> tuple[str, str | None]:
    row = conn.execute("SELECT status, reason FROM orders WHERE order_id = %s", (msg.order_id,)).fetchone()
    return (row[0], row[1]) if row else ("MISSING", None)


def status_seen_by_api(stack, msg: OrderMessage) -> OrderView:
    return OrderView.model_validate(stack.request("GET", f"/orders/{msg.order_id}", user=msg.user_id).body)


def test_an_order_is_confirmed_and_published(stack, conn, make_sale):
    sale = make_sale(inventory=3, shards=1)
    msg = an_order(sale["sale_id"])
    assert deliver(stack, msg) == set()
    assert outcome(conn, msg) == ("CONFIRMED", None)
    assert stock(conn, sale["sale_id"]) == [2]
    assert status_seen_by_api(stack, msg).status is OrderStatus.CONFIRMED
    assert SaleView.model_validate(stack.request("GET", f"/sales/{sale['sale_id']}").body).remaining == 2


@pytest.mark.parametrize("strategy", ["sharded", "batched"])
def test_an_order_is_judged_by_the_time_it_was_accepted_not_by_when_it_settles(stack, conn, make_sale, strategy):
    now = datetime.now(UTC)
    ended = make_sale(strategy=strategy, starts_at=(now - timedelta(hours=2)).isoformat(), ends_at=now.isoformat())
    open_sale = make_sale(strategy=strategy, ends_at=(now + timedelta(hours=1)).isoformat())
    # An order accepted before the end, settled after it, is honoured.
    in_time = an_order(ended["sale_id"], accepted_at=now - timedelta(hours=1))
    # One stamped after the end (a forged message, or a skewed clock) is rejected, and still settled for good.
    too_late = an_order(open_sale["sale_id"], accepted_at=now + timedelta(hours=2))
    too_early = an_order(ended["sale_id"], accepted_at=now - timedelta(hours=3))
    assert deliver(stack, in_time, too_late, too_early) == set()
    assert outcome(conn, in_time) == ("CONFIRMED", None)
    assert outcome(conn, too_late) == ("REJECTED", "sale_not_active")
    assert outcome(conn, too_early) == ("REJECTED", "sale_not_active")
    assert status_seen_by_api(stack, too_late).reason == "sale_not_active"


def test_redelivery_changes_nothing(stack, conn, make_sale):
    sale = make_sale(inventory=3, shards=1)
    msg = an_order(sale["sale_id"])
    deliver(stack, msg)
    # WHEN the same message arrives again, alone and twice within one batch
    assert deliver(stack, msg) == set()
    assert deliver(stack, msg, msg) == set()
    # THEN stock was taken once, and the sold counter counted it once
    assert stock(conn, sale["sale_id"]) == [2]
    assert conn.execute("SELECT count(*) FROM orders WHERE order_id = %s", (msg.order_id,)).fetchone()[0] == 1
    assert SaleView.model_validate(stack.request("GET", f"/sales/{sale['sale_id']}").body).remaining == 2


def test_malformed_messages_fail_alone(stack, conn, make_sale):
    sale = make_sale(inventory=5, shards=1)
    good = [an_order(sale["sale_id"]) for _ in range(3)]
    bad_json, bad_shape = "{not json", json.dumps({"order_id": "nope", "quantity": -1})
    assert deliver(stack, good[0], bad_json, good[1], bad_shape, good[2]) == {1, 3}
    assert [outcome(conn, m)[0] for m in good] == ["CONFIRMED"] * 3


def test_an_order_for_an_unknown_sale_fails_for_the_dlq(stack, make_sale):
    assert deliver(stack, an_order(str(uuid4()))) == {0}


def test_the_per_user_limit_is_enforced_by_the_worker_too(stack, conn, make_sale):
    sale = make_sale(inventory=5, shards=1, per_user_limit=1)
    first, second = an_order(sale["sale_id"], user="greedy"), an_order(sale["sale_id"], user="greedy")
    deliver(stack, first, second)
    assert sorted([outcome(conn, first), outcome(conn, second)], key=str) == [
        ("CONFIRMED", None),
        ("REJECTED", "purchase_limit_reached"),
    ]
    assert stock(conn, sale["sale_id"]) == [4]


def test_a_multi_unit_order_spans_shards_and_sells_out(stack, conn, make_sale):
    sale = make_sale(inventory=3, shards=3, per_user_limit=3)
    msg = an_order(sale["sale_id"], quantity=3)
    deliver(stack, msg)
    assert outcome(conn, msg) == ("CONFIRMED", None)
    assert stock(conn, sale["sale_id"]) == [0, 0, 0]
    view = SaleView.model_validate(stack.request("GET", f"/sales/{sale['sale_id']}").body)
    assert (view.status.value, view.remaining) == ("sold_out", 0)


def test_an_order_bigger_than_the_stock_takes_nothing(stack, conn, make_sale):
    # GIVEN 3 units over 3 shards, 2 of them sold
    sale = make_sale(inventory=3, shards=3, per_user_limit=2)
    deliver(stack, an_order(sale["sale_id"], quantity=2))
    # WHEN someone orders 2 more
    msg = an_order(sale["sale_id"], quantity=2)
    deliver(stack, msg)
    # THEN it is rejected, the last unit stays, and the sale is not flagged sold out
    assert outcome(conn, msg) == ("REJECTED", "sold_out")
    assert sum(stock(conn, sale["sale_id"])) == 1
    assert SaleView.model_validate(stack.request("GET", f"/sales/{sale['sale_id']}").body).status.value == "active"
    assert conn.execute("SELECT purchased FROM purchases WHERE user_id = %s", (msg.user_id,)).fetchone() is None


def test_a_dynamodb_failure_after_commit_is_retried_and_then_published(stack, conn, make_sale, monkeypatch):
    from flashdeal.settlement import status_sync

    sale = make_sale(inventory=2, shards=1)
    msg = an_order(sale["sale_id"])
    real = status_sync.record_settlement

    def failing(*args, **kwargs):
        raise StoreUnavailableError("DynamoDB throttled")

    monkeypatch.setattr(status_sync, "record_settlement", failing)
    assert deliver(stack, msg) == {0}  # committed in Postgres, not yet published
    monkeypatch.setattr(status_sync, "record_settlement", real)
    assert deliver(stack, msg) == set()  # the redelivery publishes the stored outcome
    assert status_seen_by_api(stack, msg).status is OrderStatus.CONFIRMED
    assert stock(conn, sale["sale_id"]) == [1]


def test_a_lost_connection_fails_the_record_and_the_next_invocation_reconnects(stack, conn, make_sale):
    sale = make_sale(inventory=5, shards=1)
    deliver(stack, an_order(sale["sale_id"]))  # warm: the worker holds a connection
    killed = conn.execute(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'flashdeal'"
    ).fetchone()[0]
    assert killed == 1
    msg = an_order(sale["sale_id"])
    assert deliver(stack, msg) == {0}  # the dead connection fails the record, which goes back to the queue
    assert deliver(stack, msg) == set()  # the next invocation reconnects
    assert outcome(conn, msg) == ("CONFIRMED", None)


@pytest.mark.parametrize("quantity", [1, 2])
def test_shards_never_go_negative_when_orders_exceed_stock(stack, conn, make_sale, quantity):
    sale = make_sale(inventory=4, shards=2, per_user_limit=2)
    msgs = [an_order(sale["sale_id"], quantity=quantity) for _ in range(6)]
    deliver(stack, *msgs)
    confirmed = [m for m in msgs if outcome(conn, m)[0] == "CONFIRMED"]
    assert sum(m.quantity for m in confirmed) == 4
    assert stock(conn, sale["sale_id"]) == [0, 0]


@pytest.mark.parametrize("strategy", ["sharded", "batched"])
def test_a_forged_message_reusing_a_settled_key_fails_alone(stack, conn, make_sale, strategy):
    # GIVEN a settled order, and a message with the same buyer, sale and key under another order id
    sale = make_sale(inventory=5, shards=1, strategy=strategy)
    first = an_order(sale["sale_id"], user="ann", key="k1")
    assert deliver(stack, first) == set()
    forged = first.model_copy(update={"order_id": uuid4()})
    honest = an_order(sale["sale_id"])
    # WHEN both arrive in one batch
    failed = deliver(stack, forged, honest)
    # THEN only the forged record fails (SQS will park it in the DLQ); the honest one is settled
    assert failed == {0}
    assert outcome(conn, honest) == ("CONFIRMED", None)
    assert outcome(conn, forged) == ("MISSING", None)
    assert sum(stock(conn, sale["sale_id"])) == 3


@pytest.mark.parametrize("strategy", ["naive", "atomic", "optimistic", "batched"])
def test_every_strategy_publishes_the_sale_as_sold_out(stack, conn, make_sale, strategy):
    sale = make_sale(inventory=2, shards=1, strategy=strategy)
    orders = [an_order(sale["sale_id"]) for _ in range(3)]
    assert deliver(stack, *orders) == set()
    assert sorted(outcome(conn, m)[0] for m in orders) == ["CONFIRMED", "CONFIRMED", "REJECTED"]
    view = SaleView.model_validate(stack.request("GET", f"/sales/{sale['sale_id']}").body)
    assert (view.status.value, view.remaining) == ("sold_out", 0)


def test_a_lock_held_past_the_timeout_fails_the_record_as_contention_and_a_retry_settles_it(conn, database, make_sale):
    sale = make_sale(inventory=2, shards=1)
    msg = an_order(sale["sale_id"])
    with psycopg.connect(database.url, autocommit=True, options="-c lock_timeout=50") as worker_conn:
        # GIVEN another transaction holds the sale's only inventory row
        with conn.transaction():
            conn.execute("SELECT 1 FROM inventory_shards WHERE sale_id = %s FOR UPDATE", (sale["sale_id"],))
            # WHEN a worker waits for it longer than its lock timeout
            outcomes = settle_batch({"m0": msg.model_dump_json()}, worker_conn)
        # THEN that record fails as contention, with nothing written
        assert isinstance(outcomes["m0"], InventoryContentionError)
        assert outcome(conn, msg) == ("MISSING", None)
        assert stock(conn, sale["sale_id"]) == [2]
        # AND the redelivery, once the lock is gone, settles it
        assert settle_batch({"m0": msg.model_dump_json()}, worker_conn)["m0"].status is OrderStatus.CONFIRMED
    assert stock(conn, sale["sale_id"]) == [1]


def test_the_worker_reports_settle_lag_batch_size_and_postgres_time(stack, conn, make_sale, capsys):
    sale = make_sale(inventory=5, shards=1)
    messages = [an_order(sale["sale_id"]) for _ in range(3)]
    time.sleep(0.3)  # queued for a while: the lag runs from acceptance to the published status
    capsys.readouterr()
    assert deliver(stack, *messages) == set()
    found = emf.named(capsys.readouterr().out)
    lags = [v for datum in found["SettleLag"] for v in datum.values]
    assert len(lags) == 3
    assert all(300 <= lag < 60_000 for lag in lags)
    assert found["SettleLag"][0].unit == "Milliseconds"
    assert [v for datum in found["SettleBatchSize"] for v in datum.values] == [3.0]
    assert found["SettlePostgresTime"][0].values[0] > 0
    assert sum(v for datum in found["OrdersConfirmed"] for v in datum.values) == 3
    # AND a redelivery settles nothing new, so it adds no lag (the buyer saw the status long ago)
    assert deliver(stack, messages[0]) == set()
    assert "SettleLag" not in emf.named(capsys.readouterr().out)


def test_a_record_that_must_be_retried_is_counted_by_reason(stack, make_sale, monkeypatch, capsys):
    sale = make_sale(inventory=5, shards=1)
    contention = InventoryContentionError("waited too long for a lock on the inventory")
    monkeypatch.setattr(processor_module, "settle_batch", lambda bodies, conn: dict.fromkeys(bodies, contention))
    capsys.readouterr()
    assert deliver(stack, an_order(sale["sale_id"])) == {0}
    failures = emf.named(capsys.readouterr().out)["SettleFailures"]
    assert [dict(d.dimensions)["reason"] for d in failures] == ["inventory_contention"]
