"""Helpers for the Lambda-semantics tests: queue access and the embedded stack's counters."""

import time
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import boto3
import httpx

from flashdeal.orders import PlaceOrder, order_message
from flashlab.stack_process import RunningStack


def sqs(stack: RunningStack) -> Any:
    return boto3.client(
        "sqs",
        endpoint_url=stack.sqs_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def queue_url(stack: RunningStack, name: str) -> str:
    return sqs(stack).get_queue_url(QueueName=name)["QueueUrl"]


def stats(stack: RunningStack) -> dict[str, Any]:
    return httpx.get(f"{stack.api_url}/_local/stats", timeout=10).json()


def worker_stats(stack: RunningStack) -> tuple[dict[str, Any], dict[str, Any]]:
    s = stats(stack)
    return s["event_sources"]["OrderWorkerFunction"], s["functions"]["OrderWorkerFunction"]


def create_sale(stack: RunningStack, inventory: int = 1000) -> str:
    answer = httpx.post(
        f"{stack.api_url}/sales",
        json={"name": "lab", "inventory": inventory, "shards": 4},
        headers={"Authorization": f"Bearer {stack.admin_token}", "Idempotency-Key": f"lab-{uuid4()}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["sale_id"]


def order_bodies(sale_id: str, count: int) -> list[str]:
    places = [
        PlaceOrder(sale_id=sale_id, user_id=f"lab-{uuid4()}", idempotency_key=f"k-{uuid4()}", quantity=1)
        for _ in range(count)
    ]
    return [order_message(place, datetime.now(UTC)).model_dump_json() for place in places]


def send(stack: RunningStack, bodies: list[str], queue: str = "OrdersQueue") -> None:
    client, url = sqs(stack), queue_url(stack, queue)
    for start in range(0, len(bodies), 10):
        chunk = bodies[start : start + 10]
        client.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(chunk)])


def wait_until(predicate: Any, timeout_s: float = 60, interval_s: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s} s")


def settle_through_the_stack(stack: RunningStack, count: int) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Queues ``count`` orders for a new sale, waits until the worker settled them all; returns the sale id
    and the event source's and the worker function's counters."""
    sale_id = create_sale(stack)
    send(stack, order_bodies(sale_id, count))
    wait_until(lambda: worker_stats(stack)[0]["records_ok"] >= count, timeout_s=90)
    source, function = worker_stats(stack)
    return sale_id, source, function
