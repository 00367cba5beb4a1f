"""API Gateway's own answers (401, 403, 429) carry the {"error": ...} shape, over HTTP."""

from uuid import uuid4

import pytest


def assert_shaped(answer, status: int, error: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"] == error
    assert answer.json()["message"]


def test_a_buyer_route_without_a_buyer_is_401_unauthorized(api):
    sale = api.create_sale()
    answer = api.client.post(f"/sales/{sale['sale_id']}/orders", json={"quantity": 1}, headers={"Idempotency-Key": "k"})
    assert_shaped(answer, 401, "unauthorized")


def test_an_unsigned_admin_call_is_403_forbidden(api):
    if api.iam_unenforced:
        pytest.skip("this deployment does not enforce AWS_IAM (LocalStack's free plan)")
    assert_shaped(api.client.post("/sales", json={"name": "x", "inventory": 1}), 403, "forbidden")
    wrong = api.client.post("/sales", json={"name": "x", "inventory": 1}, headers={"Authorization": "Bearer nope"})
    assert_shaped(wrong, 403, "forbidden")


def test_a_known_path_with_another_method_is_403_and_an_unknown_path_is_404(api):
    assert_shaped(api.client.delete("/health"), 403, "forbidden")
    assert_shaped(api.client.get(f"/nothing/{uuid4()}"), 404, "route_not_found")
