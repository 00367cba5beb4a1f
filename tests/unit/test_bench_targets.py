"""The run's verdicts: each ratio against its target, and sharded's Python CPU per order against 150 µs, on the
cell every deploy runs."""

from dataclasses import replace

from flashlab.bench.report import SHARDED_HEADLINE_BATCH, SHARDED_HEADLINE_WORKERS, Report
from flashlab.bench.targets import verdict_lines
from flashlab.template import Template
from tests.factories import a_bench_cell


def test_each_ratio_says_whether_it_meets_its_target():
    # GIVEN batched peaking at 8 workers at 4x pgbench, 64 workers at 0.8 of that, naive 32 far behind
    report = Report(header={}, pgbench={1: 5000.0})
    report.cells = [a_bench_cell("batched", 8, 20000), a_bench_cell("batched", 64, 16000)]
    report.cells += [a_bench_cell("batched", 32, 18000), a_bench_cell("naive", 32, 1000)]
    assert verdict_lines(report) == [
        "batched_vs_pgbench_c1 = 4.00  (meets the target 4)",
        "batched_64_vs_peak = 0.80  (BELOW the target 0.9)",
        "batched_vs_naive_32 = 18.00  (meets the target 10)",
    ]


def test_sharded_python_cpu_per_order_is_judged_against_150_us():
    # GIVEN sharded at 8 workers, batch 10, at 10,000 orders/s: a core of Python is 100 µs per order
    report = Report(header={}, pgbench={1: 12000.0})
    report.cells = [a_bench_cell("sharded", 8, 10000, batch=10)]
    assert verdict_lines(report) == [
        "sharded_8_vs_pgbench_c1 = 0.83  (BELOW the target 1)",
        "sharded_8 Python CPU per order = 100 µs  (meets the target 150)",
    ]
    # WHEN the worker spends two cores' worth of Python on the same orders
    report.cells = [replace(report.cells[0], python_cores=2.0)]
    assert verdict_lines(report)[-1] == "sharded_8 Python CPU per order = 200 µs  (ABOVE the target 150)"


def test_the_sharded_headline_is_the_template_default_worker():
    parameters = Template().parameters
    assert int(parameters["WorkerMaximumConcurrency"]) == SHARDED_HEADLINE_WORKERS
    assert int(parameters["WorkerBatchSize"]) == SHARDED_HEADLINE_BATCH
