"""What one buy attempt costs in AWS calls, counted on the real handler. A change that adds a call to the
accept path or to the sold-out fast path fails here first; `make bench-front` reports the same counts."""

import time

import pytest

from flashdeal.adapters.aws import aws_client
from flashlab.capacity.model import WRITES_PER_ACCEPT, WRITES_PER_SETTLED_BATCH, WRITES_PER_SETTLED_ORDER
from flashlab.local import aws_calls
from tests.factories import place_order

# Puts: the idempotency record, the order. Updates: the buyer's request count, the buyer's quota, the
# sale's unclaimed units, the idempotency record completed.
ACCEPTED = {"dynamodb.PutItem": 2, "dynamodb.UpdateItem": 4, "sqs.SendMessage": 1}
SOLD_OUT = {"dynamodb.GetItem": 1}  # was this buyer's key accepted before the sale sold out?
FULLY_CLAIMED = SOLD_OUT  # once the environment has seen the sale fully claimed


@pytest.fixture
def count_calls(stack, monkeypatch):
    module = stack.module("OrderApiFunction")  # the deployed sale-state TTL (the tests run with 0)
    monkeypatch.setattr(module, "settings", module.settings.model_copy(update={"sale_state_ttl_seconds": 1.0}))
    for service in ("dynamodb", "sqs"):
        aws_calls.watch(aws_client(service))  # the clients the handlers were built with
    aws_calls.take()
    return aws_calls.take


def test_an_accepted_order_costs_six_dynamodb_calls_and_one_send(stack, make_sale, count_calls):
    sale = make_sale(inventory=10)["sale_id"]
    assert place_order(stack, sale, user="warm").status == 202  # reads the sale state into the cache
    count_calls()
    assert place_order(stack, sale, user="counted").status == 202
    assert count_calls() == ACCEPTED


def test_a_sold_out_answer_costs_one_read(stack, make_sale, count_calls):
    sale = make_sale(inventory=1, shards=1)["sale_id"]
    place_order(stack, sale, user="first")
    stack.settle_queued()
    time.sleep(1.1)  # the sale state cached by the first order expires
    assert place_order(stack, sale, user="late").body["error"] == "sold_out"  # sees the sold-out flag
    count_calls()
    assert place_order(stack, sale, user="later").body["error"] == "sold_out"
    assert count_calls() == SOLD_OUT


def test_a_shed_answer_costs_one_read(stack, make_sale, count_calls):
    sale = make_sale(inventory=1, shards=1, backlog_margin_percent=0)["sale_id"]
    assert place_order(stack, sale, user="first").status == 202
    assert place_order(stack, sale, user="second").body["error"] == "fully_claimed"  # learns it the hard way
    count_calls()
    assert place_order(stack, sale, user="third").body["error"] == "fully_claimed"
    assert count_calls() == FULLY_CLAIMED


def test_the_writes_by_item_are_those_the_capacity_model_counts(stack, make_sale, count_calls):
    # The sale's DynamoDB item is one partition for the whole sale (about 1,000 writes/s), each table has its
    # own ceiling: `make capacity` turns these counts into the accept rate where each one breaks.
    aws_calls.watch_item_writes(aws_client("dynamodb"))
    sale = make_sale(inventory=20)["sale_id"]
    place_order(stack, sale, user="warm")
    stack.settle_queued()
    aws_calls.take_item_writes()
    for n in range(10):
        assert place_order(stack, sale, user=f"buyer-{n}").status == 202
    accepting = aws_calls.take_item_writes()
    stack.settle_queued(batch_size=10)
    settling = aws_calls.take_item_writes()
    assert accepting == {kind: 10 * n for kind, n in WRITES_PER_ACCEPT.items()}
    assert settling == {kind: 10 * n for kind, n in WRITES_PER_SETTLED_ORDER.items()} | WRITES_PER_SETTLED_BATCH
    assert sum(WRITES_PER_ACCEPT.values()) == ACCEPTED["dynamodb.PutItem"] + ACCEPTED["dynamodb.UpdateItem"]
