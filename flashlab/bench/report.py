"""The bench's words: a header about the machine, one table row per cell, ratios, and the RESULT line."""

import json
import math
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import psycopg

from flashlab import REPO_ROOT
from flashlab.bench.run import CellResult

HEADLINE_BATCH = 100  # the ratios compare strategies at this SQS batch size


@dataclass
class Report:
    header: dict[str, str]
    pgbench: dict[int, float]  # clients -> tps on the hot row
    cells: list[CellResult] = field(default_factory=list)

    def find(self, strategy: str, workers: int, batch: int = HEADLINE_BATCH) -> CellResult | None:
        return next(
            (c for c in self.cells if (c.strategy, c.workers, c.batch) == (strategy, workers, batch)),
            None,
        )

    def peak(self, strategy: str, batch: int = HEADLINE_BATCH) -> CellResult | None:
        cells = [c for c in self.cells if c.strategy == strategy and c.batch == batch]
        return max(cells, key=lambda c: c.rate, default=None)

    def record_pgbench(self, clients: int, tps: float) -> None:
        """Another reading of pgbench at ``clients``: the faster one stays the baseline. Its rate swings
        with the disk's fsync latency, and a reading taken in a slow moment would flatter every ratio."""
        self.pgbench[clients] = max(self.pgbench.get(clients, 0.0), tps)

    def ratios(self) -> dict[str, float]:
        peak, at64 = self.peak("batched"), self.find("batched", 64)
        at32, naive32 = self.find("batched", 32), self.find("naive", 32)
        ratios = {}
        if peak and 1 in self.pgbench:
            ratios["batched_vs_pgbench_c1"] = peak.rate / self.pgbench[1]
        if peak and at64:
            ratios["batched_64_vs_peak"] = at64.rate / peak.rate
        if at32 and naive32:
            ratios["batched_vs_naive_32"] = at32.rate / naive32.rate
        sharded8 = self.find("sharded", 8, 10)  # the default strategy at the template's default batch
        if sharded8 and 1 in self.pgbench:
            ratios["sharded_8_vs_pgbench_c1"] = sharded8.rate / self.pgbench[1]
        return ratios

    def result_line(self) -> str:
        return " ".join(["RESULT", *(f"{name}={value:.2f}" for name, value in self.ratios().items())])


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


COLUMNS = (
    ("strategy", "{:<10}"),
    ("workers", "{:>7}"),
    ("batch", "{:>5}"),
    ("orders/s", "{:>9,.0f}"),
    ("x pgb c1", "{:>8.2f}"),
    ("x pgb same c", "{:>12.2f}"),
    ("p50 ms", "{:>8.1f}"),
    ("p99 ms", "{:>8.1f}"),
    ("lock wait", "{:>9.0%}"),
    ("retries", "{:>7}"),
    ("failed", "{:>6}"),
    ("conns", "{:>5}"),
    ("py cores", "{:>8.2f}"),
    ("pg cores", "{:>8.2f}"),
    ("py µs/order", "{:>11,.0f}"),
    ("pg µs/order", "{:>11,.0f}"),
    ("stolen", "{:>6.2f}"),
    ("ok", "{:>3}"),
)


def row_values(report: Report, c: CellResult) -> list[object]:
    c1 = report.pgbench.get(1, float("nan"))
    same = report.pgbench.get(c.workers, float("nan"))
    return [
        c.strategy,
        c.workers,
        c.batch,
        c.rate,
        c.rate / c1,
        c.rate / same,
        c.p50_ms,
        c.p99_ms,
        c.lock_wait_share,
        c.retries,
        c.failed,
        c.peak_connections,
        c.python_cores,
        c.postgres_cores,
        cpu_per_order_us(c.python_cores, c),
        cpu_per_order_us(c.postgres_cores, c),
        c.stolen_cores,
        "yes" if c.verified else "NO",
    ]


def cpu_per_order_us(cores: float, c: CellResult) -> float:
    """CPU microseconds per settled order: the CPU of the whole cell (cores over its wall time), per order."""
    return cores * c.seconds / c.orders * 1e6 if c.orders else float("nan")


def table(report: Report, markdown: bool = False) -> str:
    names = [name for name, _ in COLUMNS]
    rows = [[_cell(fmt, v) for (_, fmt), v in zip(COLUMNS, row_values(report, c), strict=True)] for c in report.cells]
    if markdown:
        lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
        return "\n".join(lines + ["| " + " | ".join(v.strip() for v in row) + " |" for row in rows])
    widths = [max(len(n), *(len(r[i]) for r in rows)) for i, n in enumerate(names)] if rows else [len(n) for n in names]
    lines = ["  ".join(n.rjust(w) for n, w in zip(names, widths, strict=True))]
    return "\n".join(lines + ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in rows])


def _cell(fmt: str, value: object) -> str:
    if isinstance(value, float) and math.isnan(value):  # no pgbench run at that client count
        return fmt.replace(",.2f", "").replace(".2f", "").format("-")
    return fmt.format(value)


def pgbench_lines(report: Report) -> list[str]:
    return [f"pgbench hot-row UPDATE, {c:>2} clients: {tps:>9,.0f} tps" for c, tps in sorted(report.pgbench.items())]


def save_json(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"header": report.header, "pgbench": report.pgbench, "cells": [asdict(c) for c in report.cells]}
    path.write_text(json.dumps(data, indent=1) + "\n")


def load_json(path: Path) -> Report:
    data = json.loads(path.read_text())
    pgbench = {int(clients): tps for clients, tps in data["pgbench"].items()}
    return Report(data["header"], pgbench, [CellResult(**cell) for cell in data["cells"]])


def results_page(report: Report, images: dict[str, str]) -> str:
    """docs/lab/results.md: regenerated by every full ``make bench``."""
    lines = ["# Contention lab: measured results", "", "Generated by `make bench`; do not edit by hand.", ""]
    lines += [f"- **{key}**: {value}" for key, value in report.header.items()]
    lines += ["", "## Baseline", "", *[f"- {line}" for line in pgbench_lines(report)], ""]
    lines += ["## Headline ratios", "", "```", report.result_line(), "```", ""]
    lines += [f"![{title}]({path})" for title, path in images.items()]
    lines += ["", "## Every cell", "", _LEGEND, "", table(report, markdown=True), ""]
    return "\n".join(lines)


_LEGEND = (
    "orders/s counts settled orders over the cell's driving window; a batch still running when the window"
    " closes counts for the share of its time inside it. `x pgb c1` divides by pgbench's hot-row TPS with"
    " one client, `x pgb same c` by pgbench with as many clients as workers. p50/p99 are per SQS batch"
    " (one handler invocation). `lock wait` is the share of the workers' time their backends spent waiting"
    " on a lock (pg_stat_activity, sampled every 20 ms). `retries` are optimistic stale-version retries,"
    " read from the worker's own EMF metric. `failed` are records the handler reported as batch item"
    " failures (SQS would redeliver them). `conns` are the connections the cell's workers used (every"
    " environment keeps its own from cell to cell, as a warm Lambda environment does). `py cores` and `pg"
    " cores` are CPU seconds per wall second of the worker processes and of Postgres, `py µs/order` and"
    " `pg µs/order` the same per settled order; `stolen` is CPU the hypervisor gave to other tenants."
    " `ok`: Postgres agrees afterwards (one row per settled order, stock moved once per confirmed unit, no"
    " shard below zero)."
)
