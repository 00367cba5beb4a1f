"""The README's contention-lab table and RESULT line are the last full `make bench` (docs/lab/results.json)."""

import re

from flashlab import REPO_ROOT
from flashlab.bench.report import load_json

README = (REPO_ROOT / "README.md").read_text()
RESULTS = load_json(REPO_ROOT / "docs" / "lab" / "results.json")
STRATEGIES = ("naive", "atomic", "optimistic", "sharded", "batched")


def test_the_readme_result_line_is_the_last_full_run():
    assert RESULTS.result_line() in README


def test_the_readme_table_is_the_last_full_run_at_batch_100():
    rows = re.findall(
        r"^\| (\d+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \|$", README, re.M
    )
    assert [int(r[0]) for r in rows] == [1, 8, 32, 64]
    for workers, *rates, pgbench in rows:
        for strategy, rate in zip(STRATEGIES, rates, strict=True):
            cell = RESULTS.find(strategy, int(workers), 100)
            assert cell is not None
            assert rate == f"{cell.rate:,.0f}", (strategy, workers)
        assert pgbench == f"{RESULTS.pgbench[int(workers)]:,.0f}"
