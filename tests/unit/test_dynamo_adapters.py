"""DynamoDB adapters against moto, on tables created from template.yaml's own properties."""

from datetime import UTC, datetime
from uuid import uuid4

import boto3
import pytest

from flashdeal.adapters.order_status import (
    get_order_view,
    record_settlement,
    register_order,
    unregister_order,
)
from flashdeal.adapters.sale_state import add_sold, get_sale_state, mark_sold_out, put_sale
from flashdeal.errors import OrderNotFoundError, PurchaseLimitReachedError, SaleNotFoundError
from flashdeal.orders import OrderMessage, OrderStatus, Settlement, settlement_of
from flashdeal.sales import SaleRequest, new_sale
from tests.factories import an_order

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def message(user: str = "alice", key: str = "k1", quantity: int = 1, sale_id=None) -> OrderMessage:
    return an_order(sale_id or uuid4(), user, quantity, key, accepted_at=NOW)


def settlement(msg: OrderMessage, status: OrderStatus, reason: str | None = None) -> Settlement:
    return settlement_of(msg, status, reason, NOW)


def test_tables_carry_the_templates_ttl_attributes(aws):
    client = boto3.client("dynamodb")
    ttl = {
        name: client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["AttributeName"]
        for name in aws.tables.values()
    }
    assert ttl == {"IdempotencyTable": "expiration", "SalesTable": "expires_at"}


def test_sale_state_round_trips_with_counters(sales_table):
    sale = new_sale(SaleRequest(name="socks", inventory=5, shards=2), uuid4(), NOW)
    put_sale(sales_table, sale)
    assert get_sale_state(sales_table, sale.sale_id) == (sale, 0, False)
    add_sold(sales_table, sale.sale_id, 3)
    mark_sold_out(sales_table, sale.sale_id)
    assert get_sale_state(sales_table, sale.sale_id) == (sale, 3, True)


def test_unknown_sale_is_not_found(sales_table):
    with pytest.raises(SaleNotFoundError):
        get_sale_state(sales_table, uuid4())


def test_register_counts_against_the_buyers_limit(sales_table):
    sale_id = uuid4()
    assert register_order(sales_table, message(key="k1", sale_id=sale_id), per_user_limit=2)
    assert register_order(sales_table, message(key="k2", sale_id=sale_id), per_user_limit=2)
    with pytest.raises(PurchaseLimitReachedError):
        register_order(sales_table, message(key="k3", sale_id=sale_id), per_user_limit=2)
    # another buyer is not affected
    assert register_order(sales_table, message(user="bob", key="k3", sale_id=sale_id), per_user_limit=2)


def test_registering_the_same_order_again_counts_nothing(sales_table):
    # GIVEN an order accepted once (the API then crashed before answering)
    first = message(key="k1")
    assert register_order(sales_table, first, per_user_limit=1)
    # WHEN the client retries with the same key THEN it is recognised, not counted again
    assert register_order(sales_table, first, per_user_limit=1) is False


def test_unregister_gives_the_quota_back(sales_table):
    msg = message(key="k1")
    register_order(sales_table, msg, per_user_limit=1)
    unregister_order(sales_table, msg)
    with pytest.raises(OrderNotFoundError):
        get_order_view(sales_table, msg.order_id, msg.user_id)
    assert register_order(sales_table, message(key="k2", sale_id=msg.sale_id), per_user_limit=1)


def test_order_view_belongs_to_its_buyer(sales_table):
    msg = message()
    register_order(sales_table, msg, per_user_limit=1)
    assert get_order_view(sales_table, msg.order_id, "alice").status is OrderStatus.PENDING
    with pytest.raises(OrderNotFoundError):
        get_order_view(sales_table, msg.order_id, "mallory")


def test_settlement_is_recorded_once(sales_table):
    msg = message()
    register_order(sales_table, msg, per_user_limit=1)
    assert record_settlement(sales_table, settlement(msg, OrderStatus.REJECTED, "sold_out")) is True
    assert record_settlement(sales_table, settlement(msg, OrderStatus.REJECTED, "sold_out")) is False
    view = get_order_view(sales_table, msg.order_id, "alice")
    assert (view.status, view.reason) == (OrderStatus.REJECTED, "sold_out")


def test_a_final_status_is_never_overwritten_by_a_different_one(sales_table):
    msg = message()
    record_settlement(sales_table, settlement(msg, OrderStatus.CONFIRMED))
    assert record_settlement(sales_table, settlement(msg, OrderStatus.REJECTED, "sold_out")) is False
    assert get_order_view(sales_table, msg.order_id, "alice").status is OrderStatus.CONFIRMED
