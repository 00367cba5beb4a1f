"""The physical baseline: pgbench hammering one hot row with a conditional UPDATE, one commit per UPDATE.

That is the floor of what any per-order strategy on one row can do on this machine and this Postgres.
"""

import re
import subprocess
import tempfile
from pathlib import Path

import psycopg

HOT_ROW = "UPDATE bench_hot_row SET remaining = remaining - 1 WHERE id = 1 AND remaining >= 1;\n"


def pgbench_binary() -> Path:
    import pgserver

    return Path(pgserver.__file__).parent / "pginstall" / "bin" / "pgbench"


def prepare_hot_row(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_hot_row (id int PRIMARY KEY, remaining bigint NOT NULL"
            " CHECK (remaining >= 0)) WITH (fillfactor = 50)"
        )
        conn.execute(
            "INSERT INTO bench_hot_row VALUES (1, 1000000000) ON CONFLICT (id) DO UPDATE SET remaining = 1000000000"
        )


def hot_row_tps(url: str, clients: int, seconds: float) -> float:
    """Transactions per second pgbench reaches with ``clients`` connections on the hot row."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write(HOT_ROW)
        script.flush()
        command = [str(pgbench_binary()), "-n", "-M", "prepared", "-f", script.name]
        command += ["-c", str(clients), "-j", str(min(clients, 2)), "-T", str(max(1, round(seconds))), url]
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    if match is None:
        raise RuntimeError(f"pgbench printed no tps:\n{out}")
    return float(match.group(1))
