"""What each headline number must reach, and the lines that say whether a run got there."""

from flashlab.bench.report import Report
from flashlab.bench.results_page import cpu_per_order_us

PYTHON_US_TARGET = 150  # issue 12: the worker's own CPU per order, sharded at 8 workers, batch 10
TARGETS = {
    "batched_vs_pgbench_c1": 4.0,
    "batched_64_vs_peak": 0.9,
    "batched_vs_naive_32": 10.0,
    "sharded_8_vs_pgbench_c1": 1.0,  # issue 12: the default strategy at the default batch, against one hot row
}


def verdict_lines(report: Report) -> list[str]:
    """One line per ratio the run has, and one for sharded's Python CPU per order if the run has that cell."""
    lines = []
    for name, value in report.ratios().items():
        verdict = "meets" if value >= TARGETS[name] else "BELOW"
        lines.append(f"{name} = {value:.2f}  ({verdict} the target {TARGETS[name]:g})")
    if sharded := report.sharded_headline():
        python_us = cpu_per_order_us(sharded.python_cores, sharded)
        verdict = "meets" if python_us <= PYTHON_US_TARGET else "ABOVE"
        lines.append(f"sharded_8 Python CPU per order = {python_us:.0f} µs  ({verdict} the target {PYTHON_US_TARGET})")
    return lines
