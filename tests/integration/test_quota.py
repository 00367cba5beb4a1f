"""A buyer's limit counts what was confirmed or is still pending, never what the worker rejected."""

from uuid import uuid4

from flashdeal.orders import OrderStatus, OrderView
from tests.factories import an_order, place_order


def status(stack, answer, user) -> OrderView:
    return OrderView.model_validate(stack.request("GET", answer.body["status_url"], user=user).body)


def test_a_rejected_order_gives_the_buyer_their_units_back_exactly_once(stack, make_sale):
    sale = make_sale(inventory=3, shards=1, per_user_limit=2, backlog_margin_percent="off")["sale_id"]
    alice, bob = f"alice-{uuid4()}", f"bob-{uuid4()}"
    assert place_order(stack, sale, alice, 2).status == 202
    stack.settle_queued()
    # Bob asks for 2 when 1 is left: the worker rejects it.
    rejected = place_order(stack, sale, bob, 2, key="bob-first")
    stack.settle_queued()
    assert (status(stack, rejected, bob).status, status(stack, rejected, bob).reason) == (
        OrderStatus.REJECTED,
        "sold_out",
    )
    # Bob has bought nothing, so he may ask again.
    assert place_order(stack, sale, bob, 1).status == 202
    # The rejected order is delivered again (SQS is at-least-once): its units are not given back twice.
    again = an_order(sale, bob, quantity=2, key="bob-first")
    assert stack.deliver([again.model_dump_json()])["batchItemFailures"] == []
    assert place_order(stack, sale, bob, 1).status == 202  # 1 pending + 1 = his limit of 2
    over = place_order(stack, sale, bob, 1)
    assert (over.status, over.body["error"]) == (409, "purchase_limit_reached")
