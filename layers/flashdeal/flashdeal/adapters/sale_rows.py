"""Sales and their inventory shards as Postgres rows: created once, read by the worker (rules, stock left)."""

from uuid import UUID

import psycopg

from flashdeal.errors import SaleNotFoundError
from flashdeal.sales import Sale, SaleRules, Strategy


def insert_sale(conn: psycopg.Connection, sale: Sale) -> None:
    conn.execute(
        "INSERT INTO sales (sale_id, name, inventory, shard_count, strategy, starts_at, ends_at, per_user_limit,"
        " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            sale.sale_id,
            sale.name,
            sale.inventory,
            sale.shards,
            sale.strategy.value,
            sale.starts_at,
            sale.ends_at,
            sale.per_user_limit,
            sale.created_at,
        ),
    )
    conn.execute(
        "INSERT INTO inventory_shards (sale_id, shard_no, initial, remaining)"
        " SELECT %(sale)s, n, %(base)s + (n < %(extra)s)::int, %(base)s + (n < %(extra)s)::int"
        " FROM generate_series(0, %(shards)s - 1) AS n",
        {
            "sale": sale.sale_id,
            "base": sale.inventory // sale.shards,
            "extra": sale.inventory % sale.shards,
            "shards": sale.shards,
        },
    )


_rules: dict[UUID, SaleRules] = {}  # a sale's rules never change: cached while the environment is warm


def get_sale_rules(conn: psycopg.Connection, sale_id: UUID) -> SaleRules:
    if sale_id not in _rules:
        row = conn.execute(
            "SELECT strategy, shard_count, per_user_limit, starts_at, ends_at FROM sales WHERE sale_id = %s",
            (sale_id,),
        ).fetchone()
        if row is None:
            raise SaleNotFoundError(f"sale {sale_id} does not exist")
        strategy, shards, limit, starts_at, ends_at = row
        _rules[sale_id] = SaleRules(
            strategy=Strategy(strategy), shards=shards, per_user_limit=limit, starts_at=starts_at, ends_at=ends_at
        )
    return _rules[sale_id]


def remaining_stock(conn: psycopg.Connection, sale_id: UUID) -> int:
    row = conn.execute(
        "SELECT COALESCE(SUM(remaining), 0) FROM inventory_shards WHERE sale_id = %s", (sale_id,)
    ).fetchone()
    return int(row[0]) if row else 0
