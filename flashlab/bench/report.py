"""The numbers of one bench run: pgbench's baselines, one result per cell, the headline ratios and the RESULT
line, and the JSON that keeps them (docs/lab/results.json)."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flashlab.bench.cells import CellResult

HEADLINE_BATCH = 100  # the ratios compare strategies at this SQS batch size
SHARDED_HEADLINE_BATCH = 10  # the template's default SQS batch: what every deploy's default strategy gets
SHARDED_HEADLINE_WORKERS = 8  # the template's MaximumConcurrency


@dataclass
class Report:
    header: dict[str, str]
    pgbench: dict[int, float]  # clients -> tps on the hot row
    cells: list[CellResult] = field(default_factory=list)

    def find(self, strategy: str, workers: int, batch: int = HEADLINE_BATCH) -> CellResult | None:
        """The cell, or its median round when it ran in several (the lower of the middle two for an even count)."""
        rounds = sorted(self.rounds(strategy, workers, batch), key=_rate)
        return rounds[(len(rounds) - 1) // 2] if rounds else None

    def medians(self) -> list[CellResult]:
        """One result per cell of the matrix, in the order they first ran: the median round of each."""
        keys = dict.fromkeys((c.strategy, c.workers, c.batch) for c in self.cells)
        return [cell for key in keys if (cell := self.find(*key)) is not None]

    def rounds(self, strategy: str, workers: int, batch: int = HEADLINE_BATCH) -> list[CellResult]:
        """Every round of a cell, in the order they ran."""
        return [c for c in self.cells if (c.strategy, c.workers, c.batch) == (strategy, workers, batch)]

    def peak(self, strategy: str, batch: int = HEADLINE_BATCH) -> CellResult | None:
        cells = [c for c in self.medians() if c.strategy == strategy and c.batch == batch]
        return max(cells, key=_rate, default=None)

    def sharded_headline(self) -> CellResult | None:
        """The default strategy as every deploy runs it: sharded at the template's workers and SQS batch."""
        return self.find("sharded", SHARDED_HEADLINE_WORKERS, SHARDED_HEADLINE_BATCH)

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
        sharded8 = self.sharded_headline()
        if sharded8 and 1 in self.pgbench:
            ratios["sharded_8_vs_pgbench_c1"] = sharded8.rate / self.pgbench[1]
        return ratios

    def result_line(self) -> str:
        return " ".join(["RESULT", *(f"{name}={value:.2f}" for name, value in self.ratios().items())])


def _rate(cell: CellResult) -> float:
    return cell.rate


def save_json(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"header": report.header, "pgbench": report.pgbench, "cells": [asdict(c) for c in report.cells]}
    path.write_text(json.dumps(data, indent=1) + "\n")


def load_json(path: Path) -> Report:
    data = json.loads(path.read_text())
    pgbench = {int(clients): tps for clients, tps in data["pgbench"].items()}
    return Report(data["header"], pgbench, [CellResult(**cell) for cell in data["cells"]])
