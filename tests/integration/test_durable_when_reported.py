"""Every order is on disk when the call that settled it returns, which is before anything is reported.

Sharded orders commit without waiting for the disk, and the call's closing commit flushes them all
(db/migrations/0009); naive, atomic and optimistic flush each order, holding the hot row through it.
Checked on a Postgres of its own: WAL syncs counted per call, and a crash (``pg_ctl stop -m immediate``:
WAL still in Postgres's buffers is lost) the moment a call returns.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import psycopg
import pytest

from flashdeal.adapters.order_ledger import insert_order
from flashdeal.adapters.postgres import wait_until_durable
from flashdeal.adapters.sale_rows import get_sale_rules, insert_sale
from flashdeal.orders import OrderStatus, Settlement
from flashdeal.sales import SaleRequest, Strategy, new_sale
from flashdeal.settlement.single import settle_orders
from flashlab.postgres import Database, restart_embedded, start_database
from tests.factories import an_order

ORDERS = 20


@pytest.fixture(scope="module")
def own_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Path]]:
    data_dir = Path(tmp_path_factory.mktemp("crash")) / "pgdata"
    db = start_database(data_dir, fresh=True, embedded=True)
    yield db, data_dir
    db.stop()


def _sale(conn: psycopg.Connection, strategy: Strategy) -> UUID:
    sale = new_sale(SaleRequest(name="durable", inventory=1_000, strategy=strategy), uuid4(), datetime.now(UTC))
    with conn.transaction():
        insert_sale(conn, sale)
    return sale.sale_id


def _settle(conn: psycopg.Connection, sale_id: UUID) -> list[Settlement]:
    messages = {f"m{i}": an_order(str(sale_id)) for i in range(ORDERS)}
    outcomes = settle_orders(conn, messages, get_sale_rules(conn, sale_id), datetime.now(UTC))
    return [o for o in outcomes.values() if isinstance(o, Settlement)]


def _wal_syncs(conn: psycopg.Connection) -> int:
    conn.execute("SELECT pg_stat_force_next_flush()")  # this backend's WAL counts reach pg_stat_wal when idle
    row = conn.execute("SELECT wal_sync FROM pg_stat_wal").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("strategy", [Strategy.NAIVE, Strategy.ATOMIC, Strategy.OPTIMISTIC, Strategy.SHARDED])
def test_sharded_waits_for_the_disk_once_per_call_and_the_hot_row_strategies_once_per_order(own_postgres, strategy):
    db, _ = own_postgres
    with psycopg.connect(db.url, autocommit=True) as conn:
        sale_id = _sale(conn, strategy)
        before = _wal_syncs(conn)
        settled = _settle(conn, sale_id)
        syncs = _wal_syncs(conn) - before
    assert [s.status for s in settled] == [OrderStatus.CONFIRMED] * ORDERS
    if strategy is Strategy.SHARDED:
        assert syncs <= ORDERS * 0.3  # the call's own flush, and any the WAL writer made meanwhile
    else:
        assert syncs >= ORDERS


def test_a_sharded_call_s_orders_survive_a_crash_the_moment_it_returns(own_postgres):
    db, data_dir = own_postgres
    with psycopg.connect(db.url, autocommit=True) as conn:
        sale_id = _sale(conn, Strategy.SHARDED)
        settled = _settle(conn, sale_id)
        restart_embedded(data_dir, db.url, "immediate")
    with psycopg.connect(db.url) as conn:
        row = conn.execute("SELECT count(*) FROM orders WHERE sale_id = %s", (sale_id,)).fetchone()
    assert len(settled) == ORDERS
    assert row == (ORDERS,)


def test_a_reader_that_waits_until_durable_publishes_only_what_survives_a_crash(own_postgres):
    db, data_dir = own_postgres
    with psycopg.connect(db.url, autocommit=True) as writer, psycopg.connect(db.url, autocommit=True) as reader:
        sale_id = _sale(writer, Strategy.SHARDED)
        # GIVEN an order committed without waiting for the disk, as a sharded call does mid-way
        writer.execute("SET synchronous_commit = off")
        order = an_order(str(sale_id))
        insert_order(writer, order, OrderStatus.CONFIRMED, None, datetime.now(UTC))
        # WHEN another session reads it and waits until durable, and Postgres then crashes
        assert reader.execute("SELECT 1 FROM orders WHERE order_id = %s", (order.order_id,)).fetchone()
        wait_until_durable(reader)
        restart_embedded(data_dir, db.url, "immediate")
    # THEN the order it read is still there
    with psycopg.connect(db.url) as conn:
        assert conn.execute("SELECT 1 FROM orders WHERE order_id = %s", (order.order_id,)).fetchone()
