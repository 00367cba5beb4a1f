"""Every HTTP route through the real handlers, in-process: the whole contract, errors included."""

import threading
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from flashdeal.orders import OrderAccepted, OrderStatus, OrderView
from flashdeal.sales import SaleCreated, SaleStatus, SaleView
from tests.factories import admin_headers, place_order


def as_admin() -> dict:
    """An admin call, with a fresh Idempotency-Key (POST /sales needs one)."""
    return {"admin": True, "headers": admin_headers()}


def error_fields(answer) -> set[str]:
    return {f["field"] for f in answer.body.get("fields", [])}


# --- POST /sales -----------------------------------------------------------------------------


def test_create_sale_answers_201_with_the_sale(stack):
    answer = stack.request("POST", "/sales", {"name": "socks", "inventory": 100, "shards": 4}, **as_admin())
    created = SaleCreated.model_validate(answer.body)
    assert answer.status == 201
    assert answer.headers["Location"] == f"/sales/{created.sale_id}"
    assert (created.sale.inventory, created.sale.remaining, created.sale.shards) == (100, 100, 4)
    assert created.sale.status is SaleStatus.ACTIVE
    assert created.sale.per_user_limit == 1


def test_a_retried_create_sale_answers_the_same_sale_and_creates_one(stack, conn):
    body, admin = {"name": f"retried {uuid4()}", "inventory": 7}, as_admin()
    first = stack.request("POST", "/sales", body, **admin)
    again = stack.request("POST", "/sales", body, **admin)
    assert (first.status, again.status) == (201, 201)
    assert again.body == first.body
    assert conn.execute("SELECT count(*) FROM sales WHERE name = %s", (body["name"],)).fetchone() == (1,)
    other = stack.request("POST", "/sales", {**body, "inventory": 8}, **admin)
    assert (other.status, other.body["error"]) == (422, "idempotency_key_reused")


def test_create_sale_needs_an_idempotency_key(stack):
    answer = stack.request("POST", "/sales", {"name": "s", "inventory": 1}, admin=True)
    assert answer.status == 422
    assert error_fields(answer) == {"header.idempotency-key"}


def test_create_sale_writes_the_shards_to_postgres(stack, conn):
    created = SaleCreated.model_validate(
        stack.request("POST", "/sales", {"name": "s", "inventory": 10, "shards": 3}, **as_admin()).body
    )
    shards = conn.execute(
        "SELECT remaining FROM inventory_shards WHERE sale_id = %s ORDER BY shard_no", (created.sale_id,)
    ).fetchall()
    assert [r[0] for r in shards] == [4, 3, 3]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "s", "inventory": 0}, "body.inventory"),
        ({"name": "s", "inventory": 10, "shards": 1001}, "body.shards"),
        ({"name": "s"}, "body.inventory"),
        ({"inventory": 10}, "body.name"),
        ({"name": "s", "inventory": 10, "ends_at": "tomorrow"}, "body.ends_at"),
        ({"name": "s", "inventory": 10, "per_user_limit": -1}, "body.per_user_limit"),
        ({"name": "s", "inventory": 10, "strategy": "pessimistic"}, "body.strategy"),
        ({"name": "s", "inventory": 10, "strategy": "atomic", "shards": 4}, "body.shards"),
    ],
)
def test_create_sale_names_the_bad_field(stack, body, field):
    answer = stack.request("POST", "/sales", body, **as_admin())
    assert answer.status == 422
    assert answer.body["error"] == "validation_error"
    assert field in error_fields(answer)


@pytest.mark.parametrize(
    ("strategy", "shards"), [("naive", 1), ("optimistic", 1), ("batched", 10)]
)  # 10 units: 10 shards
def test_create_sale_stores_the_strategy_in_postgres(stack, conn, strategy, shards):
    answer = stack.request("POST", "/sales", {"name": "s", "inventory": 10, "strategy": strategy}, **as_admin())
    assert answer.status == 201, answer.body
    created = SaleCreated.model_validate(answer.body)
    assert (created.sale.strategy.value, created.sale.shards) == (strategy, shards)
    stored = conn.execute("SELECT strategy, shard_count FROM sales WHERE sale_id = %s", (created.sale_id,)).fetchone()
    assert stored == (strategy, shards)


def test_create_sale_refuses_inconsistent_windows_and_shards(stack):
    answer = stack.request("POST", "/sales", {"name": "s", "inventory": 2, "shards": 8}, **as_admin())
    assert answer.status == 422
    assert "shards must not exceed inventory" in str(answer.body)


def test_a_sale_that_ends_before_it_starts_by_default_is_422_naming_ends_at(stack):
    # Found by the fuzzer: without starts_at the sale starts now, and Postgres' CHECK used to leak as a 500.
    body = {"name": "0", "inventory": 1, "ends_at": "2000-01-01T00:00:00Z", "starts_at": None}
    answer = stack.request("POST", "/sales", body, **as_admin())
    assert (answer.status, answer.body["error"]) == (422, "validation_error")
    assert error_fields(answer) == {"body.ends_at"}


def test_create_sale_refuses_invalid_json_with_400(stack):
    answer = stack.request("POST", "/sales", raw_body="{not json", **as_admin())
    assert (answer.status, answer.body["error"]) == (400, "invalid_json")


# --- GET /sales/{sale_id} --------------------------------------------------------------------


def test_get_sale_reports_remaining_and_status(stack, make_sale):
    sale = make_sale(inventory=5)
    answer = stack.request("GET", f"/sales/{sale['sale_id']}")
    view = SaleView.model_validate(answer.body)
    assert answer.status == 200
    assert (view.inventory, view.remaining, view.status) == (5, 5, SaleStatus.ACTIVE)


def test_get_sale_unknown_is_404(stack):
    answer = stack.request("GET", f"/sales/{uuid4()}")
    assert (answer.status, answer.body["error"]) == (404, "sale_not_found")


def test_get_sale_with_a_malformed_id_names_the_field(stack):
    answer = stack.request("GET", "/sales/not-a-uuid")
    assert answer.status == 422
    assert "path.sale_id" in error_fields(answer)


# --- POST /sales/{sale_id}/orders ------------------------------------------------------------


def test_place_order_answers_202_pending_with_a_status_url(stack, make_sale):
    sale = make_sale()
    answer = place_order(stack, sale["sale_id"])
    accepted = OrderAccepted.model_validate(answer.body)
    assert answer.status == 202
    assert accepted.status is OrderStatus.PENDING
    assert accepted.status_url == f"/orders/{accepted.order_id}" == answer.headers["Location"]


def test_the_same_key_and_body_replay_the_identical_answer(stack, make_sale):
    sale = make_sale()
    key = f"replay-{uuid4()}"
    first = place_order(stack, sale["sale_id"], key=key)
    again = place_order(stack, sale["sale_id"], key=key)
    assert (again.status, again.body) == (first.status, first.body)


def test_the_same_key_with_another_body_is_422(stack, make_sale):
    sale = make_sale(per_user_limit=3)
    key = f"reused-{uuid4()}"
    place_order(stack, sale["sale_id"], key=key, quantity=1)
    answer = place_order(stack, sale["sale_id"], key=key, quantity=2)
    assert (answer.status, answer.body["error"]) == (422, "idempotency_key_reused")


def test_the_same_key_for_another_sale_is_422(stack, make_sale):
    first, second = make_sale(), make_sale()
    key = f"other-sale-{uuid4()}"
    place_order(stack, first["sale_id"], key=key)
    answer = place_order(stack, second["sale_id"], key=key)
    assert (answer.status, answer.body["error"]) == (422, "idempotency_key_reused")


def test_keys_belong_to_their_buyer(stack, make_sale):
    sale = make_sale()
    key = f"shared-{uuid4()}"
    alice = place_order(stack, sale["sale_id"], user="alice", key=key)
    bob = place_order(stack, sale["sale_id"], user="bob", key=key)
    assert alice.status == bob.status == 202
    assert alice.body["order_id"] != bob.body["order_id"]


def test_the_same_key_while_the_first_is_in_flight_is_409(stack, make_sale, monkeypatch):
    # GIVEN a first request held inside the domain call
    sale = make_sale()
    module = stack.module("OrderApiFunction")
    entered, release = threading.Event(), threading.Event()
    real_accept = module.accept_order

    def slow_accept(place, settings):
        entered.set()
        release.wait(10)
        return real_accept(place, settings)

    monkeypatch.setattr(module, "accept_order", slow_accept)
    first: dict = {}
    key = f"busy-{uuid4()}"
    worker = threading.Thread(target=lambda: first.update(answer=place_order(stack, sale["sale_id"], key=key)))
    worker.start()
    assert entered.wait(10)
    try:
        # WHEN the client retries meanwhile THEN it is told to come back later
        answer = place_order(stack, sale["sale_id"], key=key)
        assert (answer.status, answer.body["error"]) == (409, "request_in_progress")
        assert answer.headers["Retry-After"] == "1"
    finally:
        release.set()
        worker.join(10)
    # AND the first request completes normally
    assert first["answer"].status == 202


def test_unknown_sale_is_404(stack):
    answer = place_order(stack, uuid4())
    assert (answer.status, answer.body["error"]) == (404, "sale_not_found")


@pytest.mark.parametrize(
    ("starts_in", "lasts"),
    [(timedelta(hours=1), timedelta(hours=1)), (timedelta(hours=-2), timedelta(hours=1))],
    ids=["not-yet-open", "closed"],
)
def test_orders_outside_the_window_are_409_sale_not_active(stack, make_sale, starts_in, lasts):
    starts = datetime.now(UTC) + starts_in
    sale = make_sale(starts_at=starts.isoformat(), ends_at=(starts + lasts).isoformat())
    answer = place_order(stack, sale["sale_id"])
    assert (answer.status, answer.body["error"]) == (409, "sale_not_active")
    status = SaleView.model_validate(stack.request("GET", f"/sales/{sale['sale_id']}").body).status
    assert status in (SaleStatus.UPCOMING, SaleStatus.ENDED)


def test_a_sold_out_sale_is_409_once_known(stack, make_sale):
    sale = make_sale(inventory=1, shards=1)
    assert place_order(stack, sale["sale_id"], user="u1").status == 202
    stack.settle_queued()
    answer = place_order(stack, sale["sale_id"], user="u2")
    assert (answer.status, answer.body["error"]) == (409, "sold_out")
    view = SaleView.model_validate(stack.request("GET", f"/sales/{sale['sale_id']}").body)
    assert (view.status, view.remaining) == (SaleStatus.SOLD_OUT, 0)


def test_the_per_user_limit_is_409(stack, make_sale):
    sale = make_sale(per_user_limit=1)
    assert place_order(stack, sale["sale_id"]).status == 202
    answer = place_order(stack, sale["sale_id"])
    assert (answer.status, answer.body["error"]) == (409, "purchase_limit_reached")
    over = place_order(stack, sale["sale_id"], user="carol", quantity=2)
    assert (over.status, over.body["error"]) == (409, "purchase_limit_reached")


@pytest.mark.parametrize(
    ("headers", "body", "field"),
    [
        ({}, {"quantity": 1}, "header.idempotency-key"),
        ({"Idempotency-Key": ""}, {"quantity": 1}, "header.idempotency-key"),
        ({"Idempotency-Key": "x" * 129}, {"quantity": 1}, "header.idempotency-key"),
        ({"Idempotency-Key": "has space"}, {"quantity": 1}, "header.idempotency-key"),
        ({"Idempotency-Key": "k"}, {"quantity": 0}, "body.quantity"),
        ({"Idempotency-Key": "k"}, {"quantity": "1"}, "body.quantity"),
        ({"Idempotency-Key": "k"}, {}, "body.quantity"),
        ({"Idempotency-Key": "k"}, {"quantity": 1, "coupon": "x"}, "body.coupon"),
    ],
)
def test_bad_order_requests_name_the_field(stack, make_sale, headers, body, field):
    sale = make_sale()
    answer = stack.request("POST", f"/sales/{sale['sale_id']}/orders", body, headers=headers, user="alice")
    assert answer.status == 422, answer.body
    assert field in error_fields(answer)


def test_an_order_body_that_is_not_json_is_400(stack, make_sale):
    sale = make_sale()
    answer = stack.request(
        "POST",
        f"/sales/{sale['sale_id']}/orders",
        raw_body="quantity=1",
        headers={"Idempotency-Key": f"k-{uuid4()}"},
        user="alice",
    )
    assert (answer.status, answer.body["error"]) == (400, "invalid_json")


def test_an_order_body_that_is_not_utf8_is_400(stack, make_sale):
    sale = make_sale()
    answer = stack.request(
        "POST",
        f"/sales/{sale['sale_id']}/orders",
        raw_body=b'{"quantity": 1, "note": "\xff\xfe"}',
        headers={"Idempotency-Key": f"k-{uuid4()}"},
        user="alice",
    )
    assert (answer.status, answer.body["error"]) == (400, "invalid_encoding")
    assert error_fields(answer) == {"body"}


def test_an_idempotency_key_with_bytes_outside_ascii_is_400_naming_the_header(stack, make_sale):
    sale = make_sale()
    key = b"k-\xc3\x28".decode("latin-1")  # how a gateway hands over bytes that are not UTF-8
    answer = place_order(stack, sale["sale_id"], key=key)
    assert (answer.status, answer.body["error"]) == (400, "invalid_encoding")
    assert error_fields(answer) == {"header.idempotency-key"}


def test_orders_need_a_signed_in_buyer(stack, make_sale):
    sale = make_sale()
    answer = stack.request(
        "POST",
        f"/sales/{sale['sale_id']}/orders",
        {"quantity": 1},
        headers={"Idempotency-Key": "k", "X-User-Id": "header-is-not-identity"},
    )
    assert (answer.status, answer.body["error"]) == (401, "unauthorized")


# --- GET /orders/{order_id} ------------------------------------------------------------------


def test_an_order_goes_from_pending_to_confirmed(stack, make_sale):
    sale = make_sale()
    accepted = OrderAccepted.model_validate(place_order(stack, sale["sale_id"]).body)
    pending = stack.request("GET", accepted.status_url, user="alice")
    assert OrderView.model_validate(pending.body).status is OrderStatus.PENDING
    assert pending.headers["Retry-After"] == "1"  # paces the poller
    stack.settle_queued()
    final = stack.request("GET", accepted.status_url, user="alice")
    confirmed = OrderView.model_validate(final.body)
    assert (confirmed.status, confirmed.reason, confirmed.quantity) == (OrderStatus.CONFIRMED, None, 1)
    assert "Retry-After" not in final.headers  # nothing left to wait for


def test_a_rejected_order_says_why(stack, make_sale):
    sale = make_sale(inventory=1, shards=1, backlog_margin_percent="off")  # the worker, not the API, refuses
    first = OrderAccepted.model_validate(place_order(stack, sale["sale_id"], user="u1").body)
    second = OrderAccepted.model_validate(place_order(stack, sale["sale_id"], user="u2").body)
    stack.settle_queued()
    views = [
        OrderView.model_validate(stack.request("GET", a.status_url, user=u).body)
        for a, u in ((first, "u1"), (second, "u2"))
    ]
    assert sorted((v.status, v.reason or "") for v in views) == [
        (OrderStatus.CONFIRMED, ""),
        (OrderStatus.REJECTED, "sold_out"),
    ]


def test_orders_are_private_to_their_buyer(stack, make_sale):
    sale = make_sale()
    accepted = OrderAccepted.model_validate(place_order(stack, sale["sale_id"]).body)
    assert stack.request("GET", accepted.status_url, user="mallory").status == 404
    assert stack.request("GET", f"/orders/{uuid4()}", user="alice").body["error"] == "order_not_found"


# --- misc ------------------------------------------------------------------------------------


def test_health(stack):
    answer = stack.request("GET", "/health")
    assert (answer.status, answer.body) == (200, {"status": "ok"})


def test_the_idempotency_record_expires_in_the_configured_time(stack, make_sale):
    sale = make_sale()
    before = time.time()
    place_order(stack, sale["sale_id"])
    items = stack.dynamodb.scan(TableName=stack.resources.tables["IdempotencyTable"])["Items"]
    expirations = [int(i["expiration"]["N"]) for i in items]
    assert any(before + 3600 - 5 <= e <= time.time() + 3600 + 5 for e in expirations)


def test_a_form_encoded_body_is_415(stack):
    answer = stack.request(
        "POST",
        "/sales",
        raw_body="name=x&inventory=3",
        headers={"content-type": "application/x-www-form-urlencoded", "Idempotency-Key": "form"},
        admin=True,
    )
    assert (answer.status, answer.body["error"]) == (415, "unsupported_media_type")


def test_a_retry_of_an_accepted_order_replays_even_after_the_sale_sold_out(stack, make_sale):
    # GIVEN an order accepted, then the sale sells out
    sale = make_sale(inventory=1, shards=1)
    key = f"before-sellout-{uuid4()}"
    first = place_order(stack, sale["sale_id"], user="early-bird", key=key)
    stack.settle_queued()
    assert place_order(stack, sale["sale_id"], user="late-comer").body["error"] == "sold_out"
    # WHEN the first buyer's client retries THEN it gets its identical 202, not sold_out
    again = place_order(stack, sale["sale_id"], user="early-bird", key=key)
    assert (again.status, again.body) == (202, first.body)


def test_sold_out_rejections_leave_no_idempotency_record(stack, make_sale):
    sale = make_sale(inventory=1, shards=1)
    place_order(stack, sale["sale_id"], user="first")
    stack.settle_queued()
    table = stack.resources.tables["IdempotencyTable"]
    before = stack.dynamodb.scan(TableName=table, Select="COUNT")["Count"]
    for n in range(3):
        assert place_order(stack, sale["sale_id"], user=f"late-{n}").status == 409
    assert stack.dynamodb.scan(TableName=table, Select="COUNT")["Count"] == before


@pytest.mark.parametrize("media_type", ["text/plain", "multipart/form-data"])
@pytest.mark.parametrize("path", ["/sales", "/sales/{sale}/orders"])
def test_a_json_body_sent_as_another_media_type_is_415(stack, make_sale, path, media_type):
    # Found by the fuzzer: Powertools refuses these bodies with exceptions that used to become 500s.
    sale = make_sale()
    body = {"name": "x", "inventory": 1} if path == "/sales" else {"quantity": 1}
    answer = stack.request(
        "POST",
        path.format(sale=sale["sale_id"]),
        body,
        headers={"content-type": media_type, "Idempotency-Key": f"k-{uuid4()}"},
        user="alice",
        admin=path == "/sales",
    )
    assert (answer.status, answer.body["error"]) == (415, "unsupported_media_type")
