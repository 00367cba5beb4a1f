"""db/migrate.py: the same runner the tests, the local stack and deploys use."""

from uuid import UUID, uuid4

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


def insert_sale_row(conn: psycopg.Connection, inventory: int, per_user_limit: int) -> UUID:
    """A one-shard sale, written as SQL so it works at any point of the migrations."""
    sale_id = uuid4()
    conn.execute(
        "INSERT INTO sales (sale_id, name, inventory, shard_count, starts_at, per_user_limit)"
        " VALUES (%s, 'x', %s, 1, now(), %s)",
        (sale_id, inventory, per_user_limit),
    )
    conn.execute("INSERT INTO inventory_shards VALUES (%s, 0, %s, %s)", (sale_id, inventory, inventory))
    return sale_id


@pytest.fixture
def sale_row(conn):
    return insert_sale_row(conn, inventory=2, per_user_limit=1)


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


_ORDER = (
    "INSERT INTO orders (order_id, sale_id, user_id, quantity, status, reason, idempotency_key, accepted_at)"
    " VALUES (gen_random_uuid(), %(sale)s, 'carol', {quantity}, {status}, {reason}, {key}, now())"
)


def an_order_with(quantity: str = "1", status: str = "'CONFIRMED'", reason: str = "NULL", key: str = "'k'") -> str:
    return _ORDER.format(quantity=quantity, status=status, reason=reason, key=key)


BREAKS_A_RULE = {  # each statement breaks exactly one rule of the schema (sale_row: 2 units, limit 1)
    "negative shard number": "INSERT INTO inventory_shards VALUES (%(sale)s, -1, 1, 1)",
    "negative initial stock": "INSERT INTO inventory_shards VALUES (%(sale)s, 1, -1, 0)",
    "more left than the shard began with": "UPDATE inventory_shards SET remaining = 3 WHERE sale_id = %(sale)s",
    "a buyer's count of zero": "INSERT INTO purchases VALUES (%(sale)s, 'carol', 0, 1)",
    "a limit of zero": "INSERT INTO purchases VALUES (%(sale)s, 'carol', 1, 0)",
    "an order of zero units": an_order_with(quantity="0"),
    "an unknown status": an_order_with(status="'PENDING'"),
    "an empty key": an_order_with(key="''"),
    "a key of 129 characters": an_order_with(key="repeat('k', 129)"),
    "a confirmed order with a reason": an_order_with(reason="'x'"),
}


def test_the_order_the_rule_breakers_start_from_breaks_none(conn, sale_row):
    conn.execute(an_order_with(), {"sale": sale_row})
    conn.execute(an_order_with(status="'REJECTED'", reason="'sold_out'", key="'k2'"), {"sale": sale_row})


@pytest.mark.parametrize("rule", BREAKS_A_RULE)
def test_every_rule_of_the_schema_holds(conn, sale_row, rule):
    with pytest.raises(errors.CheckViolation):
        conn.execute(BREAKS_A_RULE[rule], {"sale": sale_row})


def test_the_tables_every_order_writes_keep_only_cross_column_checks(conn):
    """A table CHECK is re-parsed by every statement that writes its table; a domain's rule is not (0006)."""
    rows = conn.execute(
        "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'c' AND conrelid IN ('orders'::regclass, 'purchases'::regclass, 'inventory_shards'::regclass)"
        " ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("inventory_shards", "CHECK (((remaining)::integer <= (initial)::integer))"),
        ("orders", "CHECK ((((status)::text = 'REJECTED'::text) = (reason IS NOT NULL)))"),
        ("purchases", "CHECK (((purchased)::integer <= (purchase_limit)::integer))"),
    ]


def test_the_domains_migration_keeps_existing_rows(empty_database, tmp_path, monkeypatch):
    before = tmp_path / "before"
    before.mkdir()
    for source in sorted(migrate.MIGRATIONS.glob("*.sql")):
        if source.name < "0006":
            (before / source.name).write_bytes(source.read_bytes())
    real = migrate.MIGRATIONS
    with psycopg.connect(empty_database, autocommit=True) as db:
        monkeypatch.setattr(migrate, "MIGRATIONS", before)
        migrate.apply_migrations(db)
        sale = insert_sale_row(db, inventory=5, per_user_limit=2)
        db.execute("UPDATE inventory_shards SET remaining = 4 WHERE sale_id = %s", (sale,))
        db.execute("INSERT INTO purchases VALUES (%s, 'alice', 1, 2)", (sale,))
        db.execute(
            "INSERT INTO orders (order_id, sale_id, user_id, quantity, status, idempotency_key, accepted_at)"
            " VALUES (gen_random_uuid(), %s, 'alice', 1, 'CONFIRMED', 'k', now())",
            (sale,),
        )
        monkeypatch.setattr(migrate, "MIGRATIONS", real)
        assert "0006_single_column_rules_as_domains.sql" in migrate.apply_migrations(db)
        kept = db.execute(
            "SELECT s.remaining, p.purchased, o.status, o.quantity FROM inventory_shards s"
            " JOIN purchases p USING (sale_id) JOIN orders o USING (sale_id) WHERE s.sale_id = %s",
            (sale,),
        ).fetchone()
    assert kept == (4, 1, "CONFIRMED", 1)


def test_an_order_writes_two_indexes(conn):
    """Each index on orders is written by every settled order (0008 dropped the one no query needed)."""
    indexes = conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'orders' ORDER BY indexname").fetchall()
    assert [row[0].split(" USING ")[1] for row in indexes] == [
        "btree (order_id)",
        "btree (sale_id, user_id, idempotency_key)",
    ]
