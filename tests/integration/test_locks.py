"""`make locks` shows a blocking chain while it exists: the waiter, what it waits on, and its blocker."""

import contextlib
import threading
import time

import psycopg

from flashlab.locks import lock_chains, main, table


def test_a_row_lock_wait_shows_as_a_chain_and_the_blocker_as_the_oldest_transaction(database, make_sale, capsys):
    sale = make_sale(inventory=3, shards=1)
    with psycopg.connect(database.url) as holder, psycopg.connect(database.url, autocommit=True) as watcher:
        # GIVEN a transaction that holds the sale's inventory row
        holder.execute("SELECT 1 FROM inventory_shards WHERE sale_id = %s FOR UPDATE", (sale["sale_id"],))
        holder_pid = holder.info.backend_pid

        def wait_for_the_row() -> None:
            waiter = psycopg.connect(database.url, options="-c lock_timeout=5000")
            with waiter, contextlib.suppress(psycopg.errors.LockNotAvailable):
                waiter.execute(
                    "UPDATE inventory_shards SET remaining = remaining WHERE sale_id = %s", (sale["sale_id"],)
                )

        waiter = threading.Thread(target=wait_for_the_row)
        waiter.start()
        deadline = time.monotonic() + 5
        while not (chains := [r for r in lock_chains(watcher) if r[0] is not None]) and time.monotonic() < deadline:
            time.sleep(0.05)
        # THEN the waiter is shown waiting on a lock, blocked by the holder
        assert chains, "no blocking chain seen"
        assert chains[0][1].startswith("Lock:")
        assert chains[0][4] == holder_pid
        assert "UPDATE inventory_shards" in chains[0][3]
        # AND the oldest transaction line names the holder
        oldest = [r for r in lock_chains(watcher) if r[1] == "oldest transaction"]
        assert oldest[0][4] == holder_pid
        assert "blocked by" in table(chains)
        assert main(["--database-url", database.url, "--count", "1"]) == 0
        assert "1 backend(s) waiting for a lock" in capsys.readouterr().out
        holder.rollback()
        waiter.join()


def test_an_unreachable_database_names_the_fix(capsys):
    assert main(["--database-url", "postgresql://nobody@127.0.0.1:1/none", "--count", "1"]) == 2
    assert "make local" in capsys.readouterr().err
