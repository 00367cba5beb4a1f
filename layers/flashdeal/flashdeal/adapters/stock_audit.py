"""Postgres checked against itself: per sale, the units taken from the shards equal the confirmed units."""

from uuid import UUID

import psycopg

_DIFFERENCES = """
SELECT t.sale_id, t.taken - COALESCE(c.confirmed, 0)
FROM (SELECT sale_id, SUM(initial - remaining) AS taken FROM inventory_shards GROUP BY sale_id) t
LEFT JOIN (SELECT sale_id, SUM(quantity) AS confirmed FROM orders WHERE status = 'CONFIRMED' GROUP BY sale_id) c
  USING (sale_id)
WHERE t.taken <> COALESCE(c.confirmed, 0)"""


def stock_differences(conn: psycopg.Connection) -> dict[UUID, int]:
    """Units taken minus units confirmed, for every sale where they differ (one snapshot: one statement)."""
    return {row[0]: int(row[1]) for row in conn.execute(_DIFFERENCES).fetchall()}


def count_sales(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM sales").fetchone()
    return int(row[0]) if row else 0
