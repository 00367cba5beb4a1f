"""The lab's arithmetic: which cells the RESULT line compares, and the matrix each mode runs."""

from dataclasses import replace

import pytest

from flashdeal.sales import Strategy
from flashlab.bench.__main__ import QUICK_ROUNDS, cells_for, parse_args
from flashlab.bench.driver import share_in_window
from flashlab.bench.report import Report
from flashlab.bench.results_page import cpu_per_order_us, round_lines, table
from tests.factories import a_bench_cell


def test_the_result_line_compares_peak_64_and_naive_at_the_headline_batch():
    # GIVEN batched peaking at 8 workers, and a faster batched cell at another batch size that must not count
    report = Report(header={}, pgbench={1: 4000.0})
    report.cells = [
        a_bench_cell("batched", 8, 20000),
        a_bench_cell("batched", 32, 19000),
        a_bench_cell("batched", 64, 18000),
        a_bench_cell("batched", 8, 99999, batch=1000),
        a_bench_cell("naive", 32, 500),
    ]
    # THEN the ratios use batch 100 only
    assert report.ratios() == pytest.approx(
        {"batched_vs_pgbench_c1": 5.0, "batched_64_vs_peak": 0.9, "batched_vs_naive_32": 38.0}
    )
    assert report.result_line() == (
        "RESULT batched_vs_pgbench_c1=5.00 batched_64_vs_peak=0.90 batched_vs_naive_32=38.00"
    )


def test_missing_cells_leave_their_ratio_out():
    report = Report(header={}, pgbench={}, cells=[a_bench_cell("batched", 8, 100)])
    assert report.result_line() == "RESULT"


def test_the_table_flags_a_cell_postgres_disagrees_with():
    report = Report(header={}, pgbench={1: 100.0}, cells=[a_bench_cell("sharded", 8, 50, verified=False)])
    assert table(report).splitlines()[-1].endswith("NO")
    assert "| sharded | 8 | 100 |" in table(report, markdown=True)


def test_quick_mode_runs_only_what_the_result_line_needs():
    cells = cells_for(parse_args(["--quick"]))
    assert [(c.strategy, c.workers, c.batch) for c in cells] == [
        (Strategy.BATCHED, 1, 100),
        *[(Strategy.BATCHED, w, 100) for _ in range(QUICK_ROUNDS) for w in (8, 32, 64)],  # interleaved rounds
        (Strategy.NAIVE, 32, 100),
        (Strategy.SHARDED, 8, 10),
    ]


def test_a_cell_run_in_rounds_counts_with_its_median_round():
    # GIVEN batched at 8 workers with one lucky round, and at 64 workers with one slow round
    report = Report(header={}, pgbench={1: 4000.0})
    for rates_8, rates_64 in zip((20000, 40000, 21000), (18000, 12000, 19000), strict=True):
        report.cells += [a_bench_cell("batched", 8, rates_8), a_bench_cell("batched", 64, rates_64)]
    # THEN each cell is its median round, and the peak is the best median, not the best round
    assert report.find("batched", 8).rate == 21000
    assert report.peak("batched").rate == 21000
    assert report.ratios()["batched_64_vs_peak"] == pytest.approx(18000 / 21000)
    assert [(c.workers, c.rate) for c in report.medians()] == [(8, 21000), (64, 18000)]
    assert round_lines(report) == [
        "batched at  8 workers, batch 100: 20,000  40,000  21,000 orders/s in 3 rounds; median 21,000",
        "batched at 64 workers, batch 100: 18,000  12,000  19,000 orders/s in 3 rounds; median 18,000",
    ]


def test_an_even_number_of_rounds_counts_the_lower_middle_one():
    report = Report(header={}, pgbench={}, cells=[a_bench_cell("batched", 8, r) for r in (300, 100, 400, 200)])
    assert report.find("batched", 8).rate == 200


def test_the_full_matrix_is_every_strategy_workers_and_batch_plus_the_batch_sweep():
    cells = cells_for(parse_args([]))
    assert len(cells) == 5 * 4 * 3 + 2 * 2
    assert {(c.strategy, c.batch) for c in cells if c.batch > 100} == {
        (Strategy.SHARDED, 250),
        (Strategy.SHARDED, 1000),
        (Strategy.BATCHED, 250),
        (Strategy.BATCHED, 1000),
    }


@pytest.mark.parametrize(
    "argv",
    [
        ["--workers", "0"],
        ["--workers", "eight"],
        ["--strategies", "pessimistic"],
        ["--seconds", "-1"],
        ["--shards", "0"],
        ["--shards", "1001"],
    ],
)
def test_bad_arguments_are_refused_with_a_message(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse_args(argv)
    assert exit_.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_the_default_strategy_is_compared_at_the_default_batch_with_one_pgbench_client():
    # GIVEN sharded at 8 workers with the template's batch of 10, and a faster cell at batch 100 that must not count
    report = Report(header={}, pgbench={1: 4000.0})
    report.cells = [a_bench_cell("sharded", 8, 3000, batch=10), a_bench_cell("sharded", 8, 9000, batch=100)]
    assert report.ratios() == pytest.approx({"sharded_8_vs_pgbench_c1": 0.75})


def test_the_faster_pgbench_reading_is_the_baseline():
    # GIVEN pgbench's one client read before the cells, and again after them
    report = Report(header={}, pgbench={})
    report.cells = [a_bench_cell("sharded", 8, 3000, batch=10)]
    report.record_pgbench(1, 4000.0)
    report.record_pgbench(1, 2000.0)  # a slow moment of the disk: it would have made the ratio 1.5
    assert report.ratios() == pytest.approx({"sharded_8_vs_pgbench_c1": 0.75})
    report.record_pgbench(1, 5000.0)
    assert report.ratios() == pytest.approx({"sharded_8_vs_pgbench_c1": 0.6})


def test_the_table_gives_cpu_per_settled_order():
    # GIVEN a cell that settled 4,000 orders/s with half a core of Python and one core of Postgres
    report = Report(header={}, pgbench={1: 4000.0})
    report.cells = [replace(a_bench_cell("sharded", 8, 4000, batch=10), python_cores=0.5, postgres_cores=1.0)]
    header, _, row = table(report, markdown=True).splitlines()
    columns = dict(zip(header.strip("| ").split(" | "), row.strip("| ").split(" | "), strict=True))
    assert (columns["py µs/order"], columns["pg µs/order"]) == ("125", "250")


@pytest.mark.parametrize(
    ("began", "ended", "share"),
    [
        (10.0, 10.5, 1.0),  # ended before the clock stopped
        (10.8, 11.2, 0.5),  # half of it before 11.0
        (10.9, 12.9, 0.05),  # a long batch of naive's: a twentieth of it inside the window
    ],
)
def test_a_batch_running_when_the_window_closes_counts_for_its_share_inside_it(began, ended, share):
    assert share_in_window(began, ended, stop_at=11.0) == pytest.approx(share)


def test_cpu_per_order_counts_the_whole_cell_including_its_tail():
    # GIVEN a cell whose last batch ended 0.5 s after its 2 s window: 3,000 orders, 2,500 of them in the window
    result = replace(a_bench_cell("batched", 64, 1250.0), orders=3000, seconds=2.5, python_cores=1.2)
    # THEN its CPU per order is the CPU of all 2.5 s over all 3,000 orders
    assert cpu_per_order_us(result.python_cores, result) == pytest.approx(1000.0)
