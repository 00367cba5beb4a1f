"""The admission lab's commands on tiny loads: each writes its page and plot, and its RESULT line says
what the page claims (shedding leaves nothing for the worker to reject; nothing is oversold; a slowed
Postgres lengthens the drain, not the accepting). Timings are not asserted."""

import re
import subprocess
import sys

import pytest

from flashlab import REPO_ROOT


def lab(scenario: str, out, *args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "flashlab.admission_lab", scenario, "--out", str(out), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = done.stdout.strip().splitlines()[-1]
    assert result.startswith("RESULT "), done.stdout[-2000:]
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", result)}


def test_overload_sheds_what_cannot_succeed_and_writes_its_page(tmp_path):
    buyers, units = 60, 10
    numbers = lab("overload", tmp_path, "--buyers", str(buyers), "--inventory", str(units), "--clients", "4")
    page = (tmp_path / "phase-3-admission-control.md").read_text()  # every answer by kind, to read on a failure
    assert numbers["rejected_by_worker_on"] == 0, page
    # Every buyer beyond the units is told at once: by shedding, or by the sold-out fast path once the worker
    # has settled the units and the sale's state says so (on a loaded machine that can come first).
    assert numbers["shed_on"] + numbers["sold_out_on"] == buyers - units, page
    assert (numbers["confirmed_on"], numbers["oversold"]) == (units, 0), page
    assert "shedding on (margin 0)" in page
    assert (tmp_path / "img" / "phase-3-overload.png").stat().st_size > 10_000


@pytest.mark.parametrize("scenario", ["async", "abuse"])
def test_the_other_pages_are_written(tmp_path, scenario):
    small = ["--buyers", "30", "--clients", "4"]
    extra = ["--slow-ms", "20"] if scenario == "async" else ["--bots", "1", "--bot-clients", "2"]
    lab(scenario, tmp_path, *small, *extra)
    page = "phase-4-async.md" if scenario == "async" else "phase-7-hardening.md"
    assert "## What it measured" in (tmp_path / page).read_text()
