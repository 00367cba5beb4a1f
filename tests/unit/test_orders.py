from uuid import uuid4

import pytest
from pydantic import ValidationError

from flashdeal.orders import OrderRequest, PlaceOrder, order_id_for


def test_the_same_buyer_and_key_always_name_the_same_order():
    sale, other_sale = uuid4(), uuid4()
    assert order_id_for("alice", sale, "k-1") == order_id_for("alice", sale, "k-1")
    assert order_id_for("alice", sale, "k-1") != order_id_for("bob", sale, "k-1")
    assert order_id_for("alice", sale, "k-1") != order_id_for("alice", sale, "k-2")
    # a key reused for another sale (after its idempotency record expired) names a new order
    assert order_id_for("alice", sale, "k-1") != order_id_for("alice", other_sale, "k-1")


@pytest.mark.parametrize("key", ["", "x" * 129, "has space", "tab\there", "é"])
def test_idempotency_keys_are_1_to_128_printable_ascii(key):
    with pytest.raises(ValidationError, match="idempotency_key"):
        PlaceOrder(sale_id="7f1b5f5e-1c1e-4b61-9d54-2f8d0b3b8a10", user_id="u", idempotency_key=key, quantity=1)


@pytest.mark.parametrize("key", ["a", "x" * 128, "order-7f1b:retry#2", "~!@$%^&*()"])
def test_valid_idempotency_keys_pass(key):
    PlaceOrder(sale_id="7f1b5f5e-1c1e-4b61-9d54-2f8d0b3b8a10", user_id="u", idempotency_key=key, quantity=1)


@pytest.mark.parametrize("body", [{"quantity": 0}, {"quantity": "1"}, {"quantity": 1.5}, {}, {"quantity": 1, "x": 1}])
def test_order_requests_need_a_positive_integer_quantity_and_nothing_else(body):
    with pytest.raises(ValidationError):
        OrderRequest.model_validate(body)
