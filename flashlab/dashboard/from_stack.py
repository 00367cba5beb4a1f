"""The template's dashboard drawn from a running embedded stack's CloudWatch (``make dashboard``, ``make demo``)."""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from flashlab import REPO_ROOT
from flashlab.dashboard.definition import widgets
from flashlab.dashboard.render import draw, fetch
from flashlab.moto import local_client
from flashlab.template import Template

DEFAULT_OUT = REPO_ROOT / ".flashlab" / "dashboard.png"
PUBLISH_WAIT_S = 3  # the stack sends what it buffered every 2 s


def render_dashboard(api_url: str, out: Path, since: datetime, period_s: int = 10, title: str = "") -> Path:
    """Draws the dashboard for [since, now] from the stack behind ``api_url``; returns ``out``."""
    answer = httpx.get(f"{api_url}/_local/stats", timeout=30)
    if answer.status_code != 200 or "dashboard_names" not in answer.text:
        raise SystemExit(f"{api_url} is not the embedded stack (no /_local/stats): start it with `make local`")
    stats = answer.json()
    time.sleep(PUBLISH_WAIT_S)
    cloudwatch = local_client("cloudwatch", stats["endpoints"]["cloudwatch"])
    end = datetime.now(UTC) + timedelta(seconds=period_s)
    start = since.replace(microsecond=0) - timedelta(seconds=period_s)
    panels = [(w, fetch(cloudwatch, w, start, end, period_s)) for w in widgets(Template(), stats["dashboard_names"])]
    stamp = f"{start:%H:%M:%S}-{end:%H:%M:%S} UTC, {period_s} s periods"
    draw(panels, (start, end), out, f"{title or 'FlashDeal dashboard (template.yaml)'}: {stamp}")
    return out
