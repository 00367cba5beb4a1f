"""A call that gets no answer at all (network, endpoint down) is a retryable StoreUnavailableError, never a 500."""

from uuid import uuid4

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from flashdeal.adapters.order_status import (
    get_order_view,
    order_exists,
    record_settlement,
    register_order,
    unregister_order,
)
from flashdeal.adapters.purchase_quota import give_back
from flashdeal.adapters.sale_state import add_sold, get_sale_state
from flashdeal.errors import StoreUnavailableError
from flashdeal.orders import OrderStatus, settlement_of
from tests.factories import an_order


class Unreachable:
    def __getattr__(self, name):
        def call(**kwargs):
            raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

        return call


MESSAGE = an_order(uuid4())
CALLS = {
    "get_sale_state": lambda c: get_sale_state("t", uuid4(), c),
    "add_sold": lambda c: add_sold("t", uuid4(), 1, c),
    "order_exists": lambda c: order_exists("t", uuid4(), c),
    "get_order_view": lambda c: get_order_view("t", uuid4(), "u", c),
    "record_settlement": lambda c: record_settlement(
        "t", settlement_of(MESSAGE, OrderStatus.CONFIRMED, None, MESSAGE.accepted_at), c
    ),
    "give_back": lambda c: give_back("t", uuid4(), "u", uuid4(), 1, c),
    "unregister_order": lambda c: unregister_order("t", MESSAGE, c),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_no_answer_is_store_unavailable(call):
    with pytest.raises(StoreUnavailableError):
        call(Unreachable())


class RefusesThenUnreachable(Unreachable):
    """The counter's conditional update is refused; the read that follows gets no answer."""

    def update_item(self, **kwargs):
        raise ClientError({"Error": {"Code": "ConditionalCheckFailedException", "Message": "no"}}, "UpdateItem")


def test_a_counter_that_cannot_be_read_after_a_refusal_is_store_unavailable():
    with pytest.raises(StoreUnavailableError):
        register_order("t", MESSAGE, 1, RefusesThenUnreachable())
