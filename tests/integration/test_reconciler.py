"""The reconciler against real Postgres and moto: stale PENDING orders end final, and the stock is audited."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from flashdeal.adapters.dead_letters import move_back
from flashdeal.orders import OrderStatus, OrderView
from flashdeal.reconciling import reconcile
from flashdeal.settlement.batch import settle_batch
from flashlab.invariants import sale_facts
from tests.factories import place_order


def place(stack, sale_id, user):
    answer = place_order(stack, sale_id, user)
    assert answer.status == 202, answer.body
    return answer.body


def view(stack, accepted, user) -> OrderView:
    return OrderView.model_validate(stack.request("GET", accepted["status_url"], user=user).body)


def accepted_off_the_queue(stack, make_sale) -> tuple[str, str, dict, str]:
    """(sale, buyer, the 202 body, the message body): an order accepted, its message taken off the queue."""
    sale = make_sale(inventory=5, shards=1)["sale_id"]
    buyer = f"b-{uuid4()}"
    stack.settle_queued()  # other tests' leftovers
    accepted = place(stack, sale, buyer)
    url = stack.resources.queues["OrdersQueue"]
    messages = stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
    [message] = [m for m in messages if accepted["order_id"] in m["Body"]]
    stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return sale, buyer, accepted, message["Body"]


def run(stack, conn):
    queues, tables = stack.resources.queues, stack.resources.tables
    return reconcile(conn, tables["SalesTable"], queues["OrdersDLQ"], timedelta(0), datetime.now(UTC) + timedelta(1))


def test_a_dead_lettered_order_is_rejected_its_units_given_back_and_a_redrive_changes_nothing(stack, conn, make_sale):
    sale, buyer, accepted, body = accepted_off_the_queue(stack, make_sale)
    # The message failed every delivery and went to the DLQ; the order is PENDING forever without a reconciler.
    stack.sqs.send_message(QueueUrl=stack.resources.queues["OrdersDLQ"], MessageBody=body)
    report = run(stack, conn)
    assert report.rejected_not_processed >= 1
    rejected = view(stack, accepted, buyer)
    assert (rejected.status, rejected.reason) == (OrderStatus.REJECTED, "not_processed")
    # per_user_limit 1: the buyer can buy again, since the rejected order gave its unit back
    place(stack, sale, buyer)
    # Once the cause is fixed, the message is redriven: the worker replays the rejection, it sells nothing.
    assert move_back(stack.resources.queues["OrdersDLQ"], stack.resources.queues["OrdersQueue"], stack.sqs) >= 1
    stack.settle_queued()
    assert view(stack, accepted, buyer).status is OrderStatus.REJECTED
    assert sale_facts(conn, sale)["taken"] == 1  # the second order only


def test_an_order_settled_in_postgres_but_never_published_is_published(stack, conn, make_sale):
    sale, buyer, accepted, body = accepted_off_the_queue(stack, make_sale)
    # The worker committed, then died before writing DynamoDB; SQS will not redeliver for minutes.
    settle_batch({"m": body}, conn)
    assert view(stack, accepted, buyer).status is OrderStatus.PENDING
    report = run(stack, conn)
    assert report.published >= 1
    assert view(stack, accepted, buyer).status is OrderStatus.CONFIRMED
    assert stack.request("GET", f"/sales/{sale}").body["remaining"] == 4


def test_an_order_still_in_the_queue_is_left_alone(stack, conn, make_sale):
    sale = make_sale(inventory=5, shards=1)["sale_id"]
    buyer = f"b-{uuid4()}"
    accepted = place(stack, sale, buyer)
    assert run(stack, conn).still_pending >= 1
    assert view(stack, accepted, buyer).status is OrderStatus.PENDING
    stack.settle_queued()
    assert view(stack, accepted, buyer).status is OrderStatus.CONFIRMED


def test_units_taken_without_a_confirmed_order_are_reported_by_the_scheduled_function(stack, conn, make_sale):
    sale = make_sale(inventory=5, shards=1)["sale_id"]
    conn.execute("UPDATE inventory_shards SET remaining = remaining - 1 WHERE sale_id = %s", (sale,))
    try:
        report = stack.invoke("ReconcilerFunction", {"source": "aws.events", "detail-type": "Scheduled Event"})
        assert report["stock_mismatches"][sale] == 1
        assert report["sales_checked"] >= 1
    finally:
        conn.execute("UPDATE inventory_shards SET remaining = remaining + 1 WHERE sale_id = %s", (sale,))
