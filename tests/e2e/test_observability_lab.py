"""`make lab-observability`, small: both runs confirm every queued order; the page carries CloudWatch's numbers."""

import pytest

from flashlab.observability_lab.__main__ import main
from tests.e2e.conftest import REMOTE_URL


@pytest.mark.skipif(bool(REMOTE_URL), reason="the lab starts its own embedded stack")
def test_a_small_lab_writes_its_page_from_the_local_cloudwatch(tmp_path, capsys):
    assert main(["--units", "40", "--out", str(tmp_path)]) == 0
    page = (tmp_path / "phase-2-observability.md").read_text()
    for strategy in ("naive", "batched"):
        assert (tmp_path / "img" / f"phase-2-{strategy}-dashboard.png").read_bytes().startswith(b"\x89PNG")
        assert f"](img/phase-2-{strategy}-dashboard.png)" in page
    assert "| orders confirmed | 40 | 40 |" in page
    assert "| Postgres time per batch p99 (ms) | no data" not in page
    assert capsys.readouterr().out.splitlines()[-1].endswith("oversold=0")
