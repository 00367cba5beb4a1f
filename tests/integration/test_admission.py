"""Admission control through the real handlers and worker: what is shed, and what is settled."""

from collections import Counter
from datetime import UTC, datetime

import pytest

from tests.factories import place_order


def burst(stack, sale: str, buyers: int) -> tuple[Counter[str], Counter[str]]:
    """(the API's answers, the accepted orders' final statuses once the worker has settled them)."""
    placed = [(f"buyer-{n}", place_order(stack, sale, user=f"buyer-{n}")) for n in range(buyers)]
    stack.settle_queued()
    finals = [stack.request("GET", a.body["status_url"], user=u).body["status"] for u, a in placed if a.status == 202]
    return Counter(str(a.body.get("error", a.status)) for _, a in placed), Counter(finals)


def test_backlog_shedding_queues_no_order_that_cannot_succeed(stack, make_sale):
    sale = make_sale(inventory=5, shards=1, backlog_margin_percent=0)["sale_id"]
    assert burst(stack, sale, 12) == ({"202": 5, "fully_claimed": 7}, {"CONFIRMED": 5})
    late = place_order(stack, sale, user="late")
    assert (late.status, late.body["error"]) == (409, "sold_out")  # the last unit marked the sale sold out


def test_without_shedding_the_same_burst_queues_orders_the_worker_must_reject(stack, make_sale):
    sale = make_sale(inventory=5, shards=1, backlog_margin_percent="off")["sale_id"]
    assert burst(stack, sale, 12) == ({"202": 12}, {"CONFIRMED": 5, "REJECTED": 7})


def test_the_buyer_request_limit_answers_429_with_when_to_come_back(stack, make_sale, monkeypatch):
    module = stack.module("OrderApiFunction")
    monkeypatch.setattr(module, "settings", module.settings.model_copy(update={"buyer_requests_per_minute": 2}))
    if datetime.now(UTC).second > 55:
        pytest.skip("too close to the minute's end: the count restarts")
    sale = make_sale(inventory=100, per_user_limit=10, backlog_margin_percent="off")["sale_id"]
    codes = [place_order(stack, sale, user="mallory").status for _ in range(4)]
    assert codes == [202, 202, 429, 429]
    refused = place_order(stack, sale, user="mallory")
    assert refused.body["error"] == "buyer_rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert place_order(stack, sale, user="alice").status == 202
