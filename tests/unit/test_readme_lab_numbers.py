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


def test_the_readme_prose_quotes_the_same_run():
    prose = " ".join(README.split())
    sharded = RESULTS.find("sharded", 8, 10)
    assert sharded is not None
    ratio = RESULTS.ratios()["sharded_8_vs_pgbench_c1"]
    assert (
        f"settles {sharded.rate:,.0f} orders/s at 8 workers with the template's SQS batch of 10, {ratio:.2f}x" in prose
    )
    one_row = [RESULTS.find(s, 64, 100) for s in ("naive", "atomic", "optimistic")]
    waits = sorted(round(c.lock_wait_share * 100) for c in one_row if c is not None)
    assert f"({waits[0]}-{waits[-1]}% of their time waiting at 64 workers" in prose
    naive1, naive64 = RESULTS.find("naive", 1, 100), RESULTS.find("naive", 64, 100)
    assert naive1 is not None
    assert naive64 is not None
    assert f"naive loses {1 - naive64.rate / naive1.rate:.0%} from 1 to 64 workers" in prose
