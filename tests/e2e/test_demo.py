"""`make demo`, small: the sale ends with every invariant held, and it draws the plot and the dashboard."""

import pytest

from flashlab.demo import main
from tests.e2e.conftest import REMOTE_URL


@pytest.mark.skipif(bool(REMOTE_URL), reason="the demo's dashboard reads the embedded stack's CloudWatch")
def test_a_small_demo_passes_and_writes_its_plot_and_dashboard(tmp_path, capsys):
    plot = tmp_path / "demo.png"
    assert main(["--buyers", "60", "--inventory", "10", "--shards", "2", "--plot", str(plot), "--seed", "1"]) == 0
    out = capsys.readouterr().out
    dashboard = tmp_path / "demo-dashboard.png"
    assert f"dashboard (template.yaml's widgets, from the stack's CloudWatch): {dashboard}" in out
    assert plot.read_bytes().startswith(b"\x89PNG")
    assert dashboard.read_bytes().startswith(b"\x89PNG")
    assert "OVERSOLD (must be 0)                    0" in out
