"""Applies db/migrations/*.sql in order, once each. Used by the tests, the local stack and deploys.

    python -m db.migrate [DATABASE_URL]     # default: $DATABASE_URL

Each file runs in its own transaction together with its row in ``schema_migrations``; an
advisory lock makes concurrent runners wait for each other instead of racing.
"""

import hashlib
import os
import sys
from pathlib import Path

import psycopg

MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_ID = 0x_F1A5_DEA1


def pending_migrations(applied: dict[str, str]) -> list[Path]:
    files = sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    for path in files:
        checksum = applied.get(path.name)
        if checksum is not None and checksum != _checksum(path):
            raise RuntimeError(f"{path.name} changed after it was applied; add a new migration instead")
    return [path for path in files if path.name not in applied]


def apply_migrations(conn: psycopg.Connection) -> list[str]:
    """Returns the names of the migrations this call applied (empty when up to date)."""
    conn.autocommit = True
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )
    conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
    try:
        applied: dict[str, str] = dict(conn.execute("SELECT name, checksum FROM schema_migrations").fetchall())
        done = []
        for path in pending_migrations(applied):
            with conn.transaction():
                conn.execute(path.read_text().encode())
                conn.execute(
                    "INSERT INTO schema_migrations (name, checksum) VALUES (%s, %s)",
                    (path.name, _checksum(path)),
                )
            done.append(path.name)
        return done
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else os.environ.get("DATABASE_URL")
    if not url:
        print("usage: python -m db.migrate DATABASE_URL (or set DATABASE_URL)", file=sys.stderr)
        return 2
    with psycopg.connect(url) as conn:
        done = apply_migrations(conn)
    print(f"applied {len(done)} migration(s): {', '.join(done) or 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
