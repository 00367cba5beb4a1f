"""Round trips to Postgres per settled order, counted on the wire (libpq's trace: one ReadyForQuery each).

Issue 12: every per-order strategy settles an order in one round trip (one PL/pgSQL function,
db/migrations/0004), and a redelivery costs one too; a worker's batch of orders for one sale costs one
round trip in all (a procedure, 0005), each order still in its own transaction. A regression to
statement-by-statement or order-by-order settling fails here.
"""

from collections import Counter
from datetime import UTC, datetime
from uuid import UUID

import psycopg
import pytest

from flashdeal.adapters import one_call_settlement
from flashdeal.adapters.sale_rows import get_sale_rules
from flashdeal.errors import InventoryContentionError
from flashdeal.observability import metrics
from flashdeal.orders import OrderMessage, OrderStatus, Settlement
from flashdeal.sales import SaleRules, Strategy
from flashdeal.settlement.batch import settle_batch
from flashdeal.settlement.single import Outcome, settle_orders
from flashlab.local import emf
from tests.factories import an_order
from tests.integration.wire import round_trips

BATCH = 10
ROUND_TRIPS = {  # per new order / per redelivery of a settled one (before issue 12: 8-9 / 3)
    Strategy.SHARDED: (1, 1),
    Strategy.NAIVE: (1, 1),
    Strategy.ATOMIC: (1, 1),
    Strategy.OPTIMISTIC: (1, 1),
}


def settle_one(conn: psycopg.Connection, message: OrderMessage, rules: SaleRules) -> Outcome:
    return settle_orders(conn, {"m": message}, rules, datetime.now(UTC))["m"]


@pytest.mark.parametrize("strategy", list(ROUND_TRIPS))
def test_round_trips_per_order_and_per_redelivery(conn, make_sale, strategy):
    sale = make_sale(inventory=5, shards=1 if strategy.single_row else 4, strategy=strategy.value)
    rules = get_sale_rules(conn, sale["sale_id"])  # cached per environment, as in the worker
    message = an_order(sale["sale_id"])
    with round_trips(conn) as first:
        settled = settle_one(conn, message, rules)
    with round_trips(conn) as again:
        replayed = settle_one(conn, message, rules)
    assert settled.status is OrderStatus.CONFIRMED
    assert replayed.replayed
    assert (first.total, again.total) == ROUND_TRIPS[strategy]


@pytest.mark.parametrize("strategy", list(ROUND_TRIPS))
def test_a_batch_for_one_sale_is_one_round_trip_and_one_transaction_per_order(conn, make_sale, strategy):
    sale = make_sale(inventory=5, shards=1 if strategy.single_row else 4, strategy=strategy.value)
    get_sale_rules(conn, UUID(sale["sale_id"]))  # cached per environment, as in the worker
    messages = [an_order(sale["sale_id"]) for _ in range(BATCH)]
    bodies = {f"m{i}": m.model_dump_json() for i, m in enumerate(messages)}
    with round_trips(conn) as counted:
        outcomes = settle_batch(bodies, conn)
    statuses = Counter(o.status for o in outcomes.values() if isinstance(o, Settlement))
    assert statuses == {OrderStatus.CONFIRMED: 5, OrderStatus.REJECTED: BATCH - 5}
    assert counted.total == 1
    transactions = conn.execute(
        "SELECT count(DISTINCT xmin::text) FROM orders WHERE order_id = ANY(%s)", ([m.order_id for m in messages],)
    ).fetchone()[0]
    assert transactions == BATCH  # each order committed alone: no order waits for another's locks


def test_the_counter_counts(conn):
    with round_trips(conn) as counted:
        conn.execute("SELECT 1").fetchone()
        with conn.transaction():
            conn.execute("SELECT 2").fetchone()
    assert counted.total == 4  # SELECT 1; BEGIN, SELECT 2, COMMIT


def test_an_optimistic_order_that_loses_every_race_is_contention_and_its_retries_are_counted(
    conn, make_sale, monkeypatch, capsys
):
    # GIVEN the procedure reports that each order lost all eight attempts to a newer version (FD004, retries 8)
    conn.execute(
        "CREATE PROCEDURE pg_temp.always_stale(p_orders json, INOUT statuses text[], INOUT reasons text[],"
        " INOUT sold_outs boolean[], INOUT replays boolean[], INOUT settled_ats timestamptz[],"
        " INOUT retries int[], INOUT failures text[]) LANGUAGE plpgsql AS $$ BEGIN"
        " retries := array_fill(8, ARRAY[json_array_length(p_orders)]);"
        " failures := array_fill('FD004'::text, ARRAY[json_array_length(p_orders)]); END $$"
    )
    monkeypatch.setattr(
        one_call_settlement,
        "_SETTLE",
        "CALL pg_temp.always_stale(%(orders)s::json, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
    )
    sale = make_sale(inventory=5, shards=1, strategy="optimistic")
    rules = get_sale_rules(conn, sale["sale_id"])
    capsys.readouterr()
    # THEN the order fails as contention (SQS delivers it again), with its eight retries counted
    assert isinstance(settle_one(conn, an_order(sale["sale_id"]), rules), InventoryContentionError)
    metrics.flush_metrics()
    assert [v for d in emf.named(capsys.readouterr().out)["OptimisticRetries"] for v in d.values] == [8.0]
