"""The header of every bench run: the machine, the versions and the Postgres settings the numbers came from."""

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import psycopg

from flashlab import REPO_ROOT


def machine_header(url: str, seconds: float) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()
        settings: dict[str, str] = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                (
                    [
                        "synchronous_commit",
                        "fsync",
                        "shared_buffers",
                        "max_connections",
                        "max_wal_size",
                        "full_page_writes",
                    ],
                ),
            ).fetchall()
        )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "load before": " ".join(f"{v:.2f}" for v in os.getloadavg()),
        "python": platform.python_version(),
        "postgres": f"{pg[0] if pg else '?'} (pgserver), " + ", ".join(f"{k}={v}" for k, v in sorted(settings.items())),
        "libraries": ", ".join(f"{n} {version(n)}" for n in ("psycopg", "pydantic", "aws-lambda-powertools")),
        "cell length": f"{seconds:g} s of driving per cell, after every worker has connected",
    }


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" (with local changes)" if git("status", "--porcelain", "--untracked-files=no") else "")
