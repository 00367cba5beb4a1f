"""The events in events/ (what `sam local invoke -e` uses) run through the real handlers."""

import json
from datetime import UTC, datetime
from uuid import UUID

from flashdeal.orders import OrderMessage, order_id_for
from flashlab.events import load_event

CANONICAL_SALE = "7f1b5f5e-1c1e-4b61-9d54-2f8d0b3b8a10"


def event_for_sale(name: str, sale_id: str) -> dict:
    return json.loads(json.dumps(load_event(name)).replace(CANONICAL_SALE, sale_id))


def test_create_sale_event(stack):
    answer = stack.invoke("SaleAdminFunction", load_event("create_sale"))
    assert answer["statusCode"] == 201
    assert json.loads(answer["body"])["sale"]["inventory"] == 500


def test_order_events_for_a_real_sale(stack, make_sale):
    sale_id = make_sale()["sale_id"]
    answer = stack.invoke("OrderApiFunction", event_for_sale("place_order", sale_id))
    assert answer["statusCode"] == 202
    order_id = json.loads(answer["body"])["order_id"]
    assert order_id == str(order_id_for("buyer-123", UUID(sale_id), "checkout-5b1f0e"))  # the event's buyer and key
    canonical_order = load_event("get_order")["pathParameters"]["order_id"]
    assert canonical_order == str(order_id_for("buyer-123", UUID(CANONICAL_SALE), "checkout-5b1f0e"))
    get = json.loads(json.dumps(load_event("get_order")).replace(canonical_order, order_id))
    assert stack.invoke("OrderApiFunction", get)["statusCode"] == 200
    assert stack.invoke("OrderApiFunction", event_for_sale("get_sale", sale_id))["statusCode"] == 200
    assert stack.invoke("OrderApiFunction", load_event("health"))["statusCode"] == 200


def test_sqs_event_settles_an_order(stack, make_sale, conn):
    sale_id = make_sale()["sale_id"]
    event = load_event("sqs_orders")
    message = OrderMessage.model_validate_json(event["Records"][0]["body"]).model_copy(
        update={"sale_id": UUID(sale_id), "user_id": "canonical-sqs-buyer", "accepted_at": datetime.now(UTC)}
    )
    event["Records"][0]["body"] = message.model_dump_json()
    assert stack.invoke("OrderWorkerFunction", event) == {"batchItemFailures": []}
    row = conn.execute("SELECT status FROM orders WHERE order_id = %s", (message.order_id,)).fetchone()
    assert row == ("CONFIRMED",)
