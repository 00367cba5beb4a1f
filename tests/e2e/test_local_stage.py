"""Stage=local, the LocalStack free-plan deployment: buyer routes have no authorizer, and the API function
(with STAGE=local) takes the buyer from X-User-Id. The embedded stack runs the same template with it."""

import httpx

from tests.e2e.lab import create_sale

STACK_ARGS = ["--param", "Stage=local"]


def test_buyers_are_named_by_header_and_still_need_one(lab_stack):
    sale_id = create_sale(lab_stack)
    with httpx.Client(base_url=lab_stack.api_url, timeout=30) as client:
        anonymous = client.post(f"/sales/{sale_id}/orders", json={"quantity": 1}, headers={"Idempotency-Key": "a"})
        named = client.post(
            f"/sales/{sale_id}/orders", json={"quantity": 1}, headers={"Idempotency-Key": "b", "X-User-Id": "carol"}
        )
        mine = client.get(named.json()["status_url"], headers={"X-User-Id": "carol"})
        theirs = client.get(named.json()["status_url"], headers={"X-User-Id": "dave"})
    # No authorizer ran: the 401 is the handler's own, in the same shape.
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "unauthorized")
    assert named.status_code == 202
    assert (mine.status_code, theirs.status_code) == (200, 404)
