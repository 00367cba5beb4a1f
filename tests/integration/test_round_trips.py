"""Round trips to Postgres per settled order, counted on the wire (libpq's trace: one ReadyForQuery each).

Issue 12: every per-order strategy should settle an order in one round trip, two at most. The sharded
strategy (every deploy's default) does; the single-row strategies still send their statements one by
one, and their counts are pinned here so that a change either way shows.
"""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
import pytest

from flashdeal.adapters.sale_rows import get_sale_rules
from flashdeal.orders import OrderStatus
from flashdeal.sales import Strategy
from flashdeal.settlement.single import settle_order
from tests.factories import an_order

ROUND_TRIPS = {  # per new order / per redelivery of a settled one
    Strategy.SHARDED: (1, 1),
    Strategy.NAIVE: (9, 3),
    Strategy.ATOMIC: (8, 3),
    Strategy.OPTIMISTIC: (9, 3),
}


class Counted:
    total = 0


@contextmanager
def round_trips(conn: psycopg.Connection) -> Iterator[Counted]:
    counted = Counted()
    with tempfile.NamedTemporaryFile("w+") as trace:
        conn.pgconn.trace(trace.fileno())
        conn.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield counted
        finally:
            conn.pgconn.untrace()
            trace.flush()
            trace.seek(0)
            counted.total = sum(1 for line in trace if line.split("\t")[:3:2] == ["B", "ReadyForQuery"])


@pytest.mark.parametrize("strategy", list(ROUND_TRIPS))
def test_round_trips_per_order_and_per_redelivery(conn, make_sale, strategy):
    sale = make_sale(inventory=5, shards=1 if strategy.single_row else 4, strategy=strategy.value)
    rules = get_sale_rules(conn, sale["sale_id"])  # cached per environment, as in the worker
    message = an_order(sale["sale_id"])
    with round_trips(conn) as first:
        settled = settle_order(conn, message, rules, datetime.now(UTC))
    with round_trips(conn) as again:
        replayed = settle_order(conn, message, rules, datetime.now(UTC))
    assert settled.status is OrderStatus.CONFIRMED
    assert replayed.replayed
    assert (first.total, again.total) == ROUND_TRIPS[strategy]


def test_the_counter_counts(conn):
    with round_trips(conn) as counted:
        conn.execute("SELECT 1").fetchone()
        with conn.transaction():
            conn.execute("SELECT 2").fetchone()
    assert counted.total == 4  # SELECT 1; BEGIN, SELECT 2, COMMIT
