"""The HTTP contract over the wire: every route, the error codes, idempotency, sold out, limits, windows."""

import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from flashdeal.orders import OrderAccepted, OrderView
from flashdeal.sales import SaleCreated, SaleView


def wait_for_final(api, accepted: OrderAccepted, user: str, timeout_s: float = 30) -> OrderView:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        view = OrderView.model_validate(api.client.get(accepted.status_url, headers={"X-User-Id": user}).json())
        if view.status != "PENDING":
            return view
        time.sleep(0.2)
    raise AssertionError(f"order {accepted.order_id} still PENDING after {timeout_s} s")


def wait_for_sale_status(api, sale_id: str, status: str, timeout_s: float = 15) -> SaleView:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        view = SaleView.model_validate(api.client.get(f"/sales/{sale_id}").json())
        if view.status == status:
            return view
        time.sleep(0.2)
    raise AssertionError(f"sale {sale_id} never became {status}")


def test_health(api):
    assert api.client.get("/health").json() == {"status": "ok"}


def test_readiness_checks_dynamodb_and_sqs(api):
    answer = api.client.get("/health/ready")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "ready", "checks": {"dynamodb": "ok", "sqs": "ok"}}


def test_create_and_read_a_sale(api):
    created = SaleCreated.model_validate(api.create_sale(inventory=7, shards=3))
    view = SaleView.model_validate(api.client.get(f"/sales/{created.sale_id}").json())
    assert (view.inventory, view.remaining, view.shards, view.status) == (7, 7, 3, "active")


def test_admin_routes_are_closed_to_buyers(api):
    if api.iam_unenforced:
        pytest.skip("this deployment does not enforce AWS_IAM (LocalStack's free plan)")
    answer = api.client.post("/sales", json={"name": "x", "inventory": 1}, headers={"X-User-Id": "buyer"})
    assert answer.status_code in (401, 403)


def test_buyer_routes_need_a_buyer(api):
    sale = api.create_sale()
    answer = api.client.post(f"/sales/{sale['sale_id']}/orders", json={"quantity": 1}, headers={"Idempotency-Key": "k"})
    assert answer.status_code == 401


def test_an_order_is_accepted_then_confirmed(api):
    sale = api.create_sale()
    answer = api.order(sale["sale_id"], user="e2e-alice")
    assert answer.status_code == 202
    accepted = OrderAccepted.model_validate(answer.json())
    assert wait_for_final(api, accepted, "e2e-alice").status == "CONFIRMED"


def test_idempotent_replay_and_reused_key(api):
    sale = api.create_sale(per_user_limit=2)
    user, key = f"u-{uuid4()}", f"k-{uuid4()}"
    first = api.order(sale["sale_id"], user=user, key=key)
    again = api.order(sale["sale_id"], user=user, key=key)
    assert (again.status_code, again.json()) == (first.status_code, first.json()) == (202, first.json())
    reused = api.order(sale["sale_id"], user=user, key=key, quantity=2)
    assert (reused.status_code, reused.json()["error"]) == (422, "idempotency_key_reused")


def test_sold_out(api):
    sale = api.create_sale(inventory=1, shards=1)
    accepted = OrderAccepted.model_validate(api.order(sale["sale_id"], user="only-one").json())
    assert wait_for_final(api, accepted, "only-one").status == "CONFIRMED"
    wait_for_sale_status(api, sale["sale_id"], "sold_out")
    answer = api.order(sale["sale_id"])
    assert (answer.status_code, answer.json()["error"]) == (409, "sold_out")


def test_per_user_limit(api):
    sale = api.create_sale(per_user_limit=1)
    user = f"u-{uuid4()}"
    assert api.order(sale["sale_id"], user=user).status_code == 202
    answer = api.order(sale["sale_id"], user=user)
    assert (answer.status_code, answer.json()["error"]) == (409, "purchase_limit_reached")


@pytest.mark.parametrize(
    ("starts_in", "lasts"), [(timedelta(hours=1), timedelta(hours=1)), (timedelta(hours=-2), timedelta(hours=1))]
)
def test_sale_window(api, starts_in, lasts):
    starts = datetime.now(UTC) + starts_in
    sale = api.create_sale(starts_at=starts.isoformat(), ends_at=(starts + lasts).isoformat())
    answer = api.order(sale["sale_id"])
    assert (answer.status_code, answer.json()["error"]) == (409, "sale_not_active")


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "error"),
    [
        ("/sales/{sale}/orders", {"quantity": 0}, {"Idempotency-Key": "k"}, 422, "validation_error"),
        ("/sales/{sale}/orders", {"quantity": 1}, {}, 422, "validation_error"),
        ("/sales/{sale}/orders", {"quantity": 1}, {"Idempotency-Key": "x" * 129}, 422, "validation_error"),
        ("/sales/{sale}/orders", "not json", {"Idempotency-Key": "k"}, 400, "invalid_json"),
        (f"/sales/{uuid4()}/orders", {"quantity": 1}, {"Idempotency-Key": "k"}, 404, "sale_not_found"),
    ],
)
def test_bad_orders_get_4xx_with_a_json_error(api, path, body, headers, status, error):
    sale = api.create_sale()
    kwargs = (
        {"content": body, "headers": {"content-type": "application/json"}} if isinstance(body, str) else {"json": body}
    )
    answer = api.client.post(
        path.format(sale=sale["sale_id"]),
        **{**kwargs, "headers": {**kwargs.get("headers", {}), **headers, "X-User-Id": "u"}},
    )
    assert (answer.status_code, answer.json()["error"]) == (status, error)


def test_unknown_things_are_404(api):
    assert api.client.get(f"/sales/{uuid4()}").json()["error"] == "sale_not_found"
    assert api.client.get(f"/orders/{uuid4()}", headers={"X-User-Id": "u"}).json()["error"] == "order_not_found"
    assert api.client.get("/no-such-route").status_code == 404


def test_orders_are_private(api):
    sale = api.create_sale()
    accepted = OrderAccepted.model_validate(api.order(sale["sale_id"], user="owner").json())
    assert api.client.get(accepted.status_url, headers={"X-User-Id": "someone-else"}).status_code == 404


def test_a_burst_never_oversells_or_duplicates(api):
    import asyncio

    from flashlab.burst import run_burst

    sale = api.create_sale(inventory=30, shards=4)
    result = asyncio.run(
        run_burst(api.url, sale["sale_id"], buyers=300, retry_share=0.2, concurrency=32, poll_timeout_s=60, seed=7)
    )
    confirmed = result.confirmed()
    assert len(confirmed) == 30
    assert not result.unfinished
    assert all(len(ids) == 1 for ids in result.buyer_orders.values() if ids)
    assert result.transport_errors == 0
    view = SaleView.model_validate(httpx.get(f"{api.url}/sales/{sale['sale_id']}").json())
    assert view.remaining == 0


def test_no_request_ever_ended_in_an_internal_error(api):
    """Runs last in this module: nothing above, the burst included, made a handler fail unexpectedly."""
    from flashlab.local.gateway import STATS_PATH

    if not api.database_url:
        pytest.skip("reads the embedded stack's own counters")
    stats = api.client.get(STATS_PATH).json()
    assert stats["gateway"]["errors_5xx"] == 0
    assert all(f["errors"] == 0 for f in stats["functions"].values())
