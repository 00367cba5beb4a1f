"""The embedded gateway answers failures as API Gateway does, in the template's gateway-response shape."""

import asyncio
import json

import pytest

from flashlab.local.gateway import Gateway
from flashlab.local.runtime import FunctionFailedError, ThrottledError
from flashlab.rest_api import RestApi
from flashlab.template import Template


class FakeRuntime:
    def __init__(self, outcome):
        self.outcome = outcome
        self.events = []

    def invoke(self, event):
        self.events.append(event)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def request(outcome, method="GET", path="/health", headers=()):
    runtime = FakeRuntime(outcome)
    runtimes = {"OrderApiFunction": runtime, "SaleAdminFunction": runtime}
    gateway = Gateway(RestApi(Template()), runtimes, "secret", workers=1)  # type: ignore[arg-type]
    raw = [(k.encode(), v if isinstance(v, bytes) else v.encode()) for k, v in headers]
    scope = {"method": method, "path": path, "headers": raw}
    try:
        status, response_headers, body = asyncio.run(gateway.handle(scope, b""))
    finally:
        gateway.executor.shutdown()
    return status, response_headers, json.loads(body), runtime.events


@pytest.mark.parametrize(
    ("outcome", "status", "error"),
    [
        (FunctionFailedError("Task timed out"), 502, "gateway_error"),
        (ThrottledError("at reserved concurrency"), 429, "throttled"),
        ({"no": "statusCode"}, 502, "gateway_error"),
    ],
)
def test_function_failures_become_shaped_gateway_errors(outcome, status, error):
    answered, _, body, _ = request(outcome)
    assert (answered, body["error"]) == (status, error)


def test_a_proxy_response_passes_through_with_its_headers():
    ok = {"statusCode": 200, "multiValueHeaders": {"Content-Type": ["application/json"]}, "body": '{"status": "ok"}'}
    status, headers, body, [event] = request(ok)
    assert (status, headers["Content-Type"], body) == (200, "application/json", {"status": "ok"})
    assert (event["resource"], event["requestContext"]["stage"]) == ("/health", "dev")


def test_cognito_routes_put_the_buyer_in_the_claims_and_iam_routes_check_the_token():
    ok = {"statusCode": 202, "body": "{}"}
    _, _, _, [event] = request(ok, "POST", "/sales/s1/orders", [("x-user-id", "alice")])
    assert event["requestContext"]["authorizer"]["claims"]["sub"] == "alice"
    assert request(ok, "POST", "/sales/s1/orders")[:1] == (401,)
    assert request(ok, "POST", "/sales", [("authorization", "Bearer wrong")])[2]["error"] == "forbidden"
    _, _, _, [admin] = request(ok, "POST", "/sales", [("authorization", "Bearer secret")])
    assert admin["requestContext"]["identity"]["userArn"].endswith(":user/local-admin")


def test_a_header_that_is_not_utf8_reaches_the_function_instead_of_crashing_the_gateway():
    status, _, _, [event] = request({"statusCode": 200, "body": "{}"}, headers=[("x-odd", b"\xff\xfe")])
    assert status == 200
    assert event["headers"]["x-odd"] == "\xff\xfe"


def test_a_bug_in_the_gateway_itself_still_answers_json():
    gateway = Gateway(RestApi(Template()), {}, "secret", workers=1)
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    # no runtime for the route: handle() raises KeyError, as any bug in the emulation would
    scope = {"type": "http", "method": "GET", "path": "/health", "headers": []}
    try:
        asyncio.run(gateway(scope, receive, send))
    finally:
        gateway.executor.shutdown()
    assert sent[0]["status"] == 500
    assert json.loads(sent[1]["body"])["error"] == "gateway_error"


def test_a_throttled_function_is_a_429_with_retry_after_not_the_unmapped_500():
    # Lambda's throttle reaches API Gateway as INTEGRATION_FAILURE; the template maps it to a 429
    status, headers, body, _ = request(ThrottledError("at its concurrency limit"))
    assert (status, headers["Retry-After"], body["error"]) == (429, "1", "throttled")
