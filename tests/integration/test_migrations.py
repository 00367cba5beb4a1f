"""db/migrate.py: the same runner the tests, the local stack and deploys use."""

from uuid import uuid4

import psycopg
import pytest
from psycopg import errors

from db import migrate


@pytest.fixture
def empty_database(conn, database):
    name = f"migrations_{uuid4().hex[:8]}"
    conn.execute(f"CREATE DATABASE {name}")
    url = psycopg.conninfo.make_conninfo(database.url, dbname=name)
    yield url
    conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_migrations_apply_from_scratch_then_are_up_to_date(empty_database):
    names = sorted(p.name for p in migrate.MIGRATIONS.glob("*.sql"))
    with psycopg.connect(empty_database) as fresh:
        assert migrate.apply_migrations(fresh) == names
        assert migrate.apply_migrations(fresh) == []
        tables = {r[0] for r in fresh.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"sales", "inventory_shards", "purchases", "orders", "schema_migrations"} <= tables


def test_an_edited_migration_is_refused(empty_database, tmp_path, monkeypatch):
    with psycopg.connect(empty_database) as fresh:
        migrate.apply_migrations(fresh)
        for source in migrate.MIGRATIONS.glob("*.sql"):
            (tmp_path / source.name).write_text(source.read_text() + "\n-- edited\n")
        monkeypatch.setattr(migrate, "MIGRATIONS", tmp_path)
        with pytest.raises(RuntimeError, match="changed after it was applied"):
            migrate.apply_migrations(fresh)


def test_the_cli_reports_what_it_did(empty_database, capsys):
    assert migrate.main(["migrate", empty_database]) == 0
    files = sorted(path.name for path in migrate.MIGRATIONS.glob("*.sql"))
    assert f"applied {len(files)} migration(s): {', '.join(files)}" in capsys.readouterr().out


@pytest.fixture
def sale_row(conn):
    sale_id = uuid4()
    conn.execute(
        "INSERT INTO sales (sale_id, name, inventory, shard_count, starts_at, per_user_limit)"
        " VALUES (%s, 'x', 2, 1, now(), 1)",
        (sale_id,),
    )
    conn.execute("INSERT INTO inventory_shards VALUES (%s, 0, 2, 2)", (sale_id,))
    return sale_id


def test_the_schema_forbids_negative_stock(conn, sale_row):
    with pytest.raises(errors.CheckViolation):
        conn.execute("UPDATE inventory_shards SET remaining = remaining - 3 WHERE sale_id = %s", (sale_row,))


def test_the_schema_forbids_buying_past_the_limit(conn, sale_row):
    with pytest.raises(errors.CheckViolation):
        conn.execute("INSERT INTO purchases VALUES (%s, 'alice', 2, 1)", (sale_row,))


def test_the_schema_forbids_duplicate_orders(conn, sale_row):
    insert = (
        "INSERT INTO orders (order_id, sale_id, user_id, quantity, status, idempotency_key, accepted_at)"
        " VALUES (%s, %s, 'alice', 1, 'CONFIRMED', %s, now())"
    )
    order_id = uuid4()
    conn.execute(insert, (order_id, sale_row, "k1"))
    with pytest.raises(errors.UniqueViolation):
        conn.execute(insert, (order_id, sale_row, "k2"))
    with pytest.raises(errors.UniqueViolation):  # same buyer and key, another id
        conn.execute(insert, (uuid4(), sale_row, "k1"))


def test_a_rejected_order_needs_a_reason(conn, sale_row):
    with pytest.raises(errors.CheckViolation):
        conn.execute(
            "INSERT INTO orders (order_id, sale_id, user_id, quantity, status, idempotency_key, accepted_at)"
            " VALUES (%s, %s, 'bob', 1, 'REJECTED', 'k', now())",
            (uuid4(), sale_row),
        )
