"""CPU seconds each part of the embedded stack has used: where the machine's cores go.

Every part is a process of its own (or a group of them): the gateway with the SQS pollers, each
function's execution environments, each emulator, Postgres with its backends. A reading is cumulative;
subtract two readings to learn what happened between them. A process that has ended no longer counts.
"""

from collections.abc import Iterable
from pathlib import Path

import psutil


def seconds(pids: Iterable[int], children: bool = False) -> float:
    """User + system CPU seconds of ``pids`` (and, with ``children``, of all their descendants)."""
    total = 0.0
    for pid in set(pids):
        try:
            process = psutil.Process(pid)
            group = [process, *(process.children(recursive=True) if children else [])]
        except psutil.Error:
            continue
        for member in group:
            try:
                times = member.cpu_times()
            except psutil.Error:  # ended meanwhile, or not ours to read
                continue
            total += times.user + times.system
    return total


def postmaster_pid(data_dir: Path) -> int | None:
    """The Postgres server's pid, from the first line of ``postmaster.pid`` in its data directory."""
    try:
        return int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def between(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds by part spent between two readings (a part that appeared meanwhile counts from 0)."""
    return {part: max(0.0, used - before.get(part, 0.0)) for part, used in after.items()}
