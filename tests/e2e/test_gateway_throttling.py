"""Method-level throttling: the buy button has its own bucket; a throttled buyer gets a shaped 429."""

import math
import time

import httpx

from tests.e2e.lab import create_sale

STACK_ARGS = ["--param", "OrderThrottlingRateLimit=1", "--param", "OrderThrottlingBurstLimit=3"]
ATTEMPTS = 12


def test_orders_beyond_their_method_limit_get_429_while_other_methods_pass(lab_stack):
    sale_id = create_sale(lab_stack)
    with httpx.Client(base_url=lab_stack.api_url, timeout=30) as client:
        started = time.monotonic()
        answers = [
            client.post(
                f"/sales/{sale_id}/orders",
                json={"quantity": 1},
                headers={"X-User-Id": f"u{i}", "Idempotency-Key": f"k{i}"},
            )
            for i in range(ATTEMPTS)
        ]
        elapsed = time.monotonic() - started
        reads = [client.get(f"/sales/{sale_id}").status_code for _ in range(ATTEMPTS)]
    statuses = [a.status_code for a in answers]
    assert set(statuses) == {202, 429}
    assert statuses.count(202) <= 3 + math.ceil(elapsed * 1)  # the burst, then one token a second
    throttled = [a for a in answers if a.status_code == 429]
    assert {a.json()["error"] for a in throttled} == {"throttled"}
    assert {a.headers["retry-after"] for a in throttled} == {"1"}
    assert reads == [200] * ATTEMPTS  # GET /sales/{id} has the stage's own, larger bucket
