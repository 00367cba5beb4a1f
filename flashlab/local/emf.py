"""CloudWatch's embedded metric format (EMF): the JSON lines Powertools prints, read as CloudWatch reads them.

In AWS, CloudWatch Logs extracts the metrics from each such line of a function's log; locally the
embedded stack does the same with what its execution environments print (see ``metric_publisher``).
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO


@dataclass(frozen=True)
class Datum:
    namespace: str
    name: str
    unit: str
    dimensions: tuple[tuple[str, str], ...]  # (name, value), in the order the line declares them
    values: tuple[float, ...]
    timestamp: datetime


def is_emf(line: str) -> bool:
    return line.startswith("{") and '"_aws"' in line


def parse(line: str) -> list[Datum]:
    """Every metric of one EMF line, once per dimension set; [] for any other line (an ordinary log)."""
    if not is_emf(line):
        return []
    try:
        document: dict[str, Any] = json.loads(line)
        meta = document["_aws"]
        timestamp = datetime.fromtimestamp(meta["Timestamp"] / 1000, UTC)
        data = []
        for directive in meta["CloudWatchMetrics"]:
            for names in directive.get("Dimensions") or [[]]:
                dimensions = tuple((name, str(document[name])) for name in names)
                for metric in directive["Metrics"]:
                    raw = document[metric["Name"]]
                    values = tuple(float(v) for v in (raw if isinstance(raw, list) else [raw]))
                    data.append(
                        Datum(
                            directive["Namespace"],
                            metric["Name"],
                            metric.get("Unit", "None"),
                            dimensions,
                            values,
                            timestamp,
                        )
                    )
        return data
    except (ValueError, KeyError, TypeError):  # not EMF after all: CloudWatch would keep it as a log line
        return []


def named(text: str) -> dict[str, list[Datum]]:
    """Every metric in ``text`` (many lines), by name: what a test asserts on."""
    found: dict[str, list[Datum]] = {}
    for line in text.splitlines():
        for datum in parse(line.strip()):
            found.setdefault(datum.name, []).append(datum)
    return found


class StdoutTap:
    """An execution environment's stdout: EMF lines are kept for CloudWatch, every other line goes on."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._partial = ""
        self._emf: list[str] = []

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            if is_emf(line):
                self._emf.append(line)
            else:
                self.out.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self.out.flush()

    def take(self) -> list[str]:
        """The EMF lines printed since the last call."""
        taken, self._emf = self._emf, []
        return taken

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding...: the real stream's
        return getattr(self.out, name)
