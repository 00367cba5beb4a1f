"""Metrics into the embedded stack's CloudWatch (moto), as AWS would have them after a run.

Everything the stack's parts report (EMF lines from the functions, API Gateway's, Lambda's and SQS's
own metrics) is buffered and sent with ``PutMetricData`` every ``every_s`` seconds from one thread, so no
request waits for CloudWatch. Points of one metric in the same second are sent together: counts as a
statistic set (sum, min, max, count), anything else as raw values, which keep percentiles possible.
"""

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flashlab.local import emf
from flashlab.local.emf import Datum

COUNTS = {"Count", "None"}  # summed, averaged, counted: a statistic set loses nothing
MAX_DATA = 1000  # PutMetricData's limit per call
MAX_VALUES = 150  # and per Values list


@dataclass
class PublisherCounts:
    points_sent: int = 0
    failed_puts: int = 0  # PutMetricData calls that failed (moto gone at shutdown, ...)


class MetricPublisher:
    def __init__(self, cloudwatch: Any, every_s: float = 2.0, gauges: Callable[[], list[Datum]] | None = None) -> None:
        self.cloudwatch = cloudwatch
        self.every_s = every_s
        self.gauges = gauges
        self.counts = PublisherCounts()
        self._buffer: list[Datum] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="metric-publisher", daemon=True)

    def publish(self, data: Iterable[Datum]) -> None:
        with self._lock:
            self._buffer.extend(data)

    def publish_emf(self, lines: Iterable[str]) -> None:
        self.publish(datum for line in lines for datum in emf.parse(line))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self.every_s + 10)
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            if self.gauges is not None:
                try:
                    self.publish(self.gauges())
                except Exception:  # a gauge's source going away (shutdown) must not end publishing
                    self.counts.failed_puts += 1
            self.flush()

    def flush(self) -> None:
        with self._lock:
            data, self._buffer = self._buffer, []
        for namespace, entries in metric_data(data).items():
            for start in range(0, len(entries), MAX_DATA):
                chunk = entries[start : start + MAX_DATA]
                try:
                    self.cloudwatch.put_metric_data(Namespace=namespace, MetricData=chunk)
                except Exception:
                    self.counts.failed_puts += 1
                    continue
                self.counts.points_sent += sum(_points(entry) for entry in chunk)


def _points(entry: dict[str, Any]) -> int:
    return len(entry["Values"]) if "Values" in entry else int(entry["StatisticValues"]["SampleCount"])


def metric_data(data: Iterable[Datum]) -> dict[str, list[dict[str, Any]]]:
    """PutMetricData entries by namespace: one per metric, dimensions and second."""
    grouped: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    for d in data:
        second = d.timestamp.replace(microsecond=0)
        grouped[(d.namespace, d.name, d.unit, d.dimensions, second)].extend(d.values)
    entries: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (namespace, name, unit, dimensions, second), values in grouped.items():
        base = {
            "MetricName": name,
            "Unit": unit,
            "Timestamp": second,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions],
        }
        if unit in COUNTS:
            stats = {"SampleCount": len(values), "Sum": sum(values), "Minimum": min(values), "Maximum": max(values)}
            entries[namespace].append(base | {"StatisticValues": stats})
            continue
        for start in range(0, len(values), MAX_VALUES):
            entries[namespace].append(base | {"Values": values[start : start + MAX_VALUES]})
    return entries
