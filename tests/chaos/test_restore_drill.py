"""`make restore-drill`, smaller: a dump taken mid-sale restores into a database whose stock audits clean."""

import os
import subprocess
import sys

import pytest

from flashlab import REPO_ROOT


@pytest.mark.skipif(bool(os.environ.get("FLASHDEAL_API_URL")), reason="the drill needs the embedded Postgres")
def test_a_dump_taken_during_a_sale_restores_with_no_stock_difference():
    done = subprocess.run(
        [sys.executable, "-m", "flashlab.restore_drill", "--buyers", "150", "--inventory", "45"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    result = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert result.startswith("RESULT restore-drill stock_differences=0 ")
    facts = dict(line.split() for line in done.stdout.splitlines() if line.startswith("  "))
    assert int(facts["confirmed_in_dump"]) + int(facts["lost_since_dump"]) == int(facts["confirmed_at_end"]) == 45
