"""`make restore-drill`: dump the embedded Postgres in the middle of a sale, restore the dump into a new
database, and audit the stock there. The audit must find 0 differences; the orders settled after the dump
are the RPO this drill saw.

python -m flashlab.restore_drill [--buyers 600] [--inventory 200]
"""

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psycopg

from flashdeal.adapters.stock_audit import stock_differences
from flashlab.burst import BurstResult, run_burst
from flashlab.demo import create_sale
from flashlab.invariants import sale_facts
from flashlab.stack_process import start_stack


def pg_tool(name: str) -> str:
    from pgserver._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH) / name)


def confirmed(url: str, sale: str) -> int:
    """Units confirmed (each burst order is one unit, so also orders)."""
    return sale_facts(url, sale)["confirmed"]


async def drill(buyers: int, inventory: int, work: Path) -> dict[str, float | int]:
    stack = start_stack("--data-dir", str(work / "pg"), "--fresh")
    try:
        sale = create_sale(stack.api_url, stack.admin_token, inventory, shards=8)["sale_id"]
        result = BurstResult(started=time.perf_counter())
        burst = asyncio.create_task(run_burst(stack.api_url, sale, buyers, result=result))
        while confirmed(stack.database_url, sale) < inventory // 3 and not burst.done():  # well into the sale
            await asyncio.sleep(0.05)
        dump, started = work / "flashdeal.dump", time.perf_counter()
        subprocess.run([pg_tool("pg_dump"), "-Fc", "-f", str(dump), stack.database_url], check=True)
        dump_s = time.perf_counter() - started
        await burst
        restored_url, restore_s = _restore(stack.database_url, dump)
        differences = stock_differences_at(restored_url)
        at_end, in_dump = confirmed(stack.database_url, sale), confirmed(restored_url, sale)
        return {
            "dump_s": dump_s,
            "restore_s": restore_s,
            "confirmed_in_dump": in_dump,
            "confirmed_at_end": at_end,
            "lost_since_dump": at_end - in_dump,
            "stock_differences": len(differences),
        }
    finally:
        stack.stop()


def _restore(database_url: str, dump: Path) -> tuple[str, float]:
    """(the new database's URL, seconds pg_restore took)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS flashdeal_restored")
        conn.execute("CREATE DATABASE flashdeal_restored")
    parts = urlparse(database_url)
    url = parts._replace(path="/flashdeal_restored").geturl()
    started = time.perf_counter()
    host = parse_qs(parts.query).get("host", [""])[0]
    subprocess.run(
        [
            pg_tool("pg_restore"),
            "--no-owner",
            "-h",
            host,
            "-U",
            parts.username or "postgres",
            "-d",
            "flashdeal_restored",
            str(dump),
        ],
        check=True,
    )
    return url, time.perf_counter() - started


def stock_differences_at(url: str) -> dict[object, int]:
    with psycopg.connect(url) as conn:
        return dict(stock_differences(conn))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flashlab.restore_drill", description=__doc__)
    parser.add_argument("--buyers", type=int, default=600)
    parser.add_argument("--inventory", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="flashlab-restore-") as work:
        print(f"==> a sale of {args.inventory} units for {args.buyers} buyers; pg_dump when a third is settled")
        facts = asyncio.run(drill(args.buyers, args.inventory, Path(work)))
    for key, value in facts.items():
        print(f"  {key:20} {value:.2f}" if isinstance(value, float) else f"  {key:20} {value}")
    ok = facts["stock_differences"] == 0
    print(
        f"RESULT restore-drill stock_differences={facts['stock_differences']} lost_since_dump="
        f"{facts['lost_since_dump']} dump_s={facts['dump_s']:.2f} restore_s={facts['restore_s']:.2f}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
