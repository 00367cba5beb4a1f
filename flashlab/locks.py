"""``make locks``: blocking chains in Postgres, live, while a bench or the demo runs.

    python -m flashlab.locks [--database-url URL] [--every 1] [--count 0]

Runs db/queries/lock_chains.sql (the runbook's query for RDS) every --every seconds and prints who waits
for whom: the waiting backend, its wait event and how long it has waited, the backend blocking it and
how old that one's transaction is; then the database's oldest transaction. --count 0 runs until Ctrl-C.
Without --database-url: $DATABASE_URL, else the embedded stack's Postgres (make local).
"""

import argparse
import os
import sys
import time
from datetime import datetime
from typing import Any

import psycopg

from flashlab import REPO_ROOT
from flashlab.postgres import DEFAULT_DATA_DIR

QUERY = (REPO_ROOT / "db" / "queries" / "lock_chains.sql").read_text()
EMBEDDED_URL = f"postgresql://postgres:@/postgres?host={DEFAULT_DATA_DIR}"
COLUMNS = ["waiting", "waits on", "waited ms", "its query", "blocked by", "state", "xact ms", "blocker's query"]


def lock_chains(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    return conn.execute(QUERY).fetchall()


def table(rows: list[tuple[Any, ...]]) -> str:
    cells = [COLUMNS] + [["" if v is None else " ".join(str(v).split()) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)) for row in cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flashlab.locks", description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", EMBEDDED_URL))
    parser.add_argument("--every", type=float, default=1.0, help="seconds between looks (default 1)")
    parser.add_argument("--count", type=int, default=0, help="looks before stopping; 0: until Ctrl-C")
    args = parser.parse_args(argv)
    if args.every <= 0 or args.count < 0:
        parser.error("--every must be above 0 and --count at least 0")
    try:
        conn = psycopg.connect(args.database_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        print(f"cannot reach Postgres at {args.database_url}: {exc}".strip(), file=sys.stderr)
        print("start the embedded stack (make local) or pass --database-url", file=sys.stderr)
        return 2
    looks = 0
    with conn:
        try:
            while args.count == 0 or looks < args.count:
                rows = lock_chains(conn)
                waiting = sum(row[0] is not None for row in rows)
                print(f"-- {datetime.now():%H:%M:%S}: {waiting} backend(s) waiting for a lock", flush=True)
                print(table(rows), flush=True)
                looks += 1
                if args.count == 0 or looks < args.count:
                    time.sleep(args.every)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
