"""The invariants, read from Postgres for one sale: what the demo, chaos, the drills and the tests check."""

from typing import Any

import psycopg

_FACTS = """
SELECT
  (SELECT COALESCE(SUM(initial - remaining), 0) FROM inventory_shards WHERE sale_id = %(s)s),
  (SELECT COUNT(*) FROM inventory_shards WHERE sale_id = %(s)s AND remaining < 0),
  (SELECT COALESCE(SUM(quantity), 0) FROM orders WHERE sale_id = %(s)s AND status = 'CONFIRMED'),
  (SELECT COUNT(*) FROM (SELECT user_id FROM orders WHERE sale_id = %(s)s AND status = 'CONFIRMED'
                         GROUP BY user_id HAVING COUNT(*) > 1) twice)"""


def sale_facts(conn: psycopg.Connection[Any] | str, sale_id: Any) -> dict[str, int]:
    """Units taken from the shards, shards below zero, confirmed units, buyers confirmed more than once."""
    if isinstance(conn, str):
        with psycopg.connect(conn) as own:
            return sale_facts(own, sale_id)
    row = conn.execute(_FACTS, {"s": sale_id}).fetchone() or (0, 0, 0, 0)
    taken, negative, confirmed, twice = (int(v) for v in row)
    return {"taken": taken, "negative_shards": negative, "confirmed": confirmed, "buyers_confirmed_twice": twice}
