"""What the database sees during a cell: lock waits and connections from pg_stat_activity, and the machine's
CPU from /proc (each process's CPU: flashlab.local.cpu_use)."""

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from flashlab.pg_sampling import PostgresSampler

# Connections count once used in this cell: the environments keep theirs from cell to cell, idle ones too.
_ACTIVITY = """
SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FILTER (WHERE state <> 'idle'),
       count(*) FILTER (WHERE state <> 'idle' OR state_change >= %(since)s)
FROM pg_stat_activity WHERE application_name = %(application)s"""
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Activity:
    lock_wait_seconds: float  # backend-seconds spent waiting on a lock (sum over backends)
    peak_active: int
    peak_connections: int  # connections the cell's workers used
    samples: int


class ActivitySampler(PostgresSampler):
    """Polls pg_stat_activity for one application name every ``interval`` seconds, on its own connection."""

    def __init__(self, url: str, application: str, interval: float = 0.02) -> None:
        super().__init__(url, interval, application_name="flashlab-bench-sampler")
        self._application = application
        self._since = datetime.now(UTC)
        self._rows: list[tuple[int, int, int]] = []

    def sample(self, conn: psycopg.Connection) -> None:
        row = conn.execute(_ACTIVITY, {"since": self._since, "application": self._application}).fetchone()
        if row is not None:
            self._rows.append((row[0], row[1], row[2]))

    def result(self) -> Activity:
        rows = self._rows or [(0, 0, 0)]
        return Activity(
            lock_wait_seconds=sum(r[0] for r in rows) * self.interval,
            peak_active=max(r[1] for r in rows),
            peak_connections=max(r[2] for r in rows),
            samples=len(self._rows),
        )


def _stat(pid: int | str) -> list[str]:
    """/proc/<pid>/stat after the command name: field 0 is the state, 1 the parent, 11-12 utime/stime."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def parent_pid(pid: int) -> int:
    return int(_stat(pid)[1])


def machine_seconds() -> tuple[float, float]:
    """(CPU seconds the machine's cores were busy, whoever used them; seconds the hypervisor stole)."""
    parts = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = parts[:8]
    return (user + nice + system + irq + softirq) / _TICK, steal / _TICK
