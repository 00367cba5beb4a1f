"""After a burst, the embedded stack's CloudWatch answers as AWS's would: the code's metrics and AWS's own."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from flashlab.dashboard.from_stack import render_dashboard
from flashlab.dashboard.query import statistic
from flashlab.moto import local_client
from tests.factories import a_sale, admin_headers

UNITS, BUYERS = 5, 40
SERVICE = [("service", "flashdeal")]


def stat(cloudwatch: Any, namespace: str, name: str, dimensions: list[tuple[str, str]], statistic_: str) -> float:
    """``statistic_`` over the last five minutes and the next five; 0 without data."""
    now = datetime.now(UTC)
    found = statistic(
        cloudwatch, namespace, name, dimensions, statistic_, now - timedelta(minutes=5), now + timedelta(minutes=5)
    )
    return found or 0.0


@pytest.fixture(scope="module")
def burst(lab_stack):
    began = datetime.now(UTC)
    with httpx.Client(base_url=lab_stack.api_url, timeout=60) as client:
        sale = client.post("/sales", json=a_sale(inventory=UNITS), headers=admin_headers(lab_stack.admin_token)).json()

        def buy(n: int) -> int:
            headers = {"Idempotency-Key": f"cw-{n}", "X-User-Id": f"cw-buyer-{n}"}
            return client.post(f"/sales/{sale['sale_id']}/orders", json={"quantity": 1}, headers=headers).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(buy, range(BUYERS)))
        deadline = time.monotonic() + 60
        while client.get(f"/sales/{sale['sale_id']}").json()["remaining"] > 0 and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(5)  # the last settles' EMF, then the stack's next PutMetricData (every 2 s)
    return lab_stack, statuses, began


def test_the_code_metrics_of_a_burst_are_queryable(burst):
    stack, statuses, _ = burst
    cloudwatch = local_client("cloudwatch", stack.aws_url)
    assert statuses.count(202) == UNITS  # backlog shedding: exactly the inventory is accepted
    assert stat(cloudwatch, "FlashDeal", "OrdersAccepted", SERVICE, "Sum") == UNITS
    assert stat(cloudwatch, "FlashDeal", "OrdersConfirmed", SERVICE, "Sum") == UNITS
    assert stat(cloudwatch, "FlashDeal", "SettleLag", SERVICE, "SampleCount") == UNITS
    assert stat(cloudwatch, "FlashDeal", "SettleLag", SERVICE, "p99") > 0
    refused = sum(
        stat(cloudwatch, "FlashDeal", "OrdersRejected", [*SERVICE, ("reason", reason)], "Sum")
        for reason in ("sold_out", "fully_claimed")
    )
    assert refused == BUYERS - UNITS


def test_aws_own_metrics_of_the_burst_are_queryable(burst):
    stack, statuses, _ = burst
    cloudwatch = local_client("cloudwatch", stack.aws_url)
    buy = [("ApiName", "flashdeal-dev"), ("Stage", "dev"), ("Resource", "/sales/{sale_id}/orders"), ("Method", "POST")]
    assert stat(cloudwatch, "AWS/ApiGateway", "Count", buy, "Sum") == BUYERS
    assert stat(cloudwatch, "AWS/ApiGateway", "4XXError", buy, "Sum") == sum(400 <= s < 500 for s in statuses)
    assert stat(cloudwatch, "AWS/ApiGateway", "Latency", buy, "p50") > 0
    worker = [("FunctionName", "OrderWorkerFunction")]
    assert stat(cloudwatch, "AWS/Lambda", "Invocations", worker, "Sum") >= 1
    assert stat(cloudwatch, "AWS/Lambda", "Errors", worker, "Sum") == 0


def test_make_dashboard_draws_the_burst(burst, tmp_path):
    stack, _, began = burst
    out = render_dashboard(stack.api_url, tmp_path / "dashboard.png", began)
    assert out.read_bytes().startswith(b"\x89PNG")
