"""Where the cores go: CPU per order by part of the embedded stack, and the throughput ceiling it implies.

Each part is its own process (see ``flashlab.local.cpu_use``); the load client is this process. On a
machine of ``cores`` cores, no tier can accept more than ``cores x 1000 / (CPU ms per accept)`` orders
a second however it schedules them: the number that says whether a target is reachable at all.
"""

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flashlab.front_bench.drive import local_stats
from flashlab.local.cpu_use import between

CLIENT = "load client"


@dataclass(frozen=True)
class CpuSpent:
    by_part_s: dict[str, float]  # CPU seconds, the load client included
    wall_s: float

    @property
    def total_s(self) -> float:
        return sum(self.by_part_s.values())

    def busy(self, cores: int) -> float:
        """The share of the machine's cores in use (0..1)."""
        return self.total_s / (self.wall_s * cores) if self.wall_s else 0.0

    def per_order_ms(self, orders: int) -> dict[str, float]:
        ranked = sorted(self.by_part_s.items(), key=lambda item: -item[1])
        return {part: used * 1000 / orders for part, used in ranked} if orders else {}


def spent[T](url: str, run: Callable[[], T]) -> tuple[T, CpuSpent | None]:
    """``run()``'s result and the CPU each part used meanwhile (None against a deployed API)."""
    before = _reading(url)
    client, wall = time.process_time(), time.perf_counter()
    result = run()
    client, wall = time.process_time() - client, time.perf_counter() - wall
    after = _reading(url)
    if before is None or after is None:
        return result, None
    return result, CpuSpent(between(before, after) | {CLIENT: client}, wall)


def _reading(url: str) -> dict[str, float] | None:
    stats: dict[str, Any] | None = local_stats(url)
    return None if stats is None else stats.get("cpu_s")


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def rows(per_accept: CpuSpent | None, accepts: int, burst: CpuSpent | None, answers: int) -> list[str]:
    """The table rows: CPU per accepted order by part, the ceiling it implies, how busy the burst kept the cores."""
    if per_accept is None or not accepts:
        return ["| CPU per accepted order | n/a (not the embedded stack) | |"]
    n = cores()
    per_order = per_accept.per_order_ms(accepts)
    total = sum(per_order.values())
    detail = ", ".join(f"{part} {ms:.1f}" for part, ms in per_order.items() if ms >= 0.05)
    lines = [
        f"| CPU per accepted order (sequential, settle included) | {total:.1f} ms ({detail}) | |",
        f"| ceiling at that cost on {n} cores (a burst batches: its settle share is lower) "
        f"| {n * 1000 / total:.0f} accepted orders/s | |",
    ]
    if burst is not None and answers:
        lines.append(
            f"| cores busy during the burst | {burst.busy(n):.0%} of {n}; "
            f"{burst.total_s * 1000 / answers:.1f} ms CPU per answer | |"
        )
    return lines
