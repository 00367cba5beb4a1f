"""Helpers for the Lambda-semantics tests: queue access and the embedded stack's counters."""

import time
from typing import Any

import httpx

from flashlab.moto import local_client
from flashlab.queued_orders import send_bodies
from flashlab.stack_process import RunningStack
from tests.factories import a_sale, admin_headers, an_order


def sqs(stack: RunningStack) -> Any:
    return local_client("sqs", stack.sqs_url)


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
        json=a_sale(name="lab", inventory=inventory, shards=4),
        headers=admin_headers(stack.admin_token),
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["sale_id"]


def order_bodies(sale_id: str, count: int) -> list[str]:
    return [an_order(sale_id).model_dump_json() for _ in range(count)]


def send(stack: RunningStack, bodies: list[str], queue: str = "OrdersQueue") -> None:
    send_bodies(stack, bodies, queue)


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
