"""accept_order: the API's domain path, against moto."""

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import boto3
import pytest

from flashdeal.adapters.order_status import get_order_view
from flashdeal.adapters.sale_state import mark_sold_out, put_sale
from flashdeal.buying import accept_order
from flashdeal.errors import (
    OrderNotAcceptedError,
    OrderNotFoundError,
    PurchaseLimitReachedError,
    SaleNotActiveError,
    SaleNotFoundError,
    SoldOutError,
)
from flashdeal.orders import OrderMessage, OrderStatus, PlaceOrder, order_id_for
from flashdeal.sales import SaleRequest, new_sale

NOW = datetime.now(UTC)


@pytest.fixture
def sale(settings):
    sale = new_sale(SaleRequest(name="socks", inventory=10, shards=2, per_user_limit=2), uuid4(), NOW)
    put_sale(settings.sales_table, sale)
    return sale


def place(sale_id, user="alice", key="k1", quantity=1) -> PlaceOrder:
    return PlaceOrder(sale_id=sale_id, user_id=user, idempotency_key=key, quantity=quantity)


def queued(settings) -> list[OrderMessage]:
    answer = boto3.client("sqs").receive_message(QueueUrl=settings.orders_queue_url, MaxNumberOfMessages=10)
    return [OrderMessage.model_validate(json.loads(m["Body"])) for m in answer.get("Messages", [])]


def test_an_accepted_order_is_pending_and_queued(settings, sale):
    accepted = accept_order(place(sale.sale_id), settings)
    assert accepted.order_id == order_id_for("alice", sale.sale_id, "k1")
    assert accepted.status_url == f"/orders/{accepted.order_id}"
    assert get_order_view(settings.sales_table, accepted.order_id, "alice").status is OrderStatus.PENDING
    [message] = queued(settings)
    assert (message.order_id, message.sale_id, message.quantity) == (accepted.order_id, sale.sale_id, 1)


def test_a_known_sold_out_sale_is_rejected_before_queueing(settings, sale):
    mark_sold_out(settings.sales_table, sale.sale_id)
    with pytest.raises(SoldOutError):
        accept_order(place(sale.sale_id), settings)
    assert queued(settings) == []


@pytest.mark.parametrize("starts_in", [timedelta(hours=1), timedelta(hours=-3)])
def test_orders_outside_the_window_are_rejected(settings, starts_in):
    request = SaleRequest(
        name="later",
        inventory=5,
        shards=1,
        starts_at=NOW + starts_in,
        ends_at=NOW + starts_in + timedelta(hours=2),
    )
    sale = new_sale(request, uuid4(), NOW)
    put_sale(settings.sales_table, sale)
    with pytest.raises(SaleNotActiveError):
        accept_order(place(sale.sale_id), settings)


def test_unknown_sale(settings):
    with pytest.raises(SaleNotFoundError):
        accept_order(place(uuid4()), settings)


def test_the_per_user_limit_holds_across_keys(settings, sale):
    with pytest.raises(PurchaseLimitReachedError):
        accept_order(place(sale.sale_id, quantity=3), settings)
    accept_order(place(sale.sale_id, key="k1"), settings)
    accept_order(place(sale.sale_id, key="k2"), settings)
    with pytest.raises(PurchaseLimitReachedError):
        accept_order(place(sale.sale_id, key="k3"), settings)


def test_a_queue_failure_accepts_nothing_and_returns_the_quota(settings, sale):
    # GIVEN a queue that refuses messages
    broken = settings.model_copy(update={"orders_queue_url": settings.orders_queue_url + "-missing"})
    # WHEN an order is placed THEN it is not accepted, and no trace of it is left
    with pytest.raises(OrderNotAcceptedError):
        accept_order(place(sale.sale_id, key="k1", quantity=2), broken)
    with pytest.raises(OrderNotFoundError):
        get_order_view(settings.sales_table, order_id_for("alice", sale.sale_id, "k1"), "alice")
    # AND the buyer's full quota is still there
    accept_order(place(sale.sale_id, key="k2", quantity=2), settings)
