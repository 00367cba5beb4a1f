"""The local gateway's WAF: the template's rate-based rules, per client key, in front of everything else."""

import asyncio
import json

import pytest

from flashlab.local.gateway import Gateway
from flashlab.local.waf import WebAcl
from flashlab.rest_api import RestApi
from flashlab.template import Template

OK = {"statusCode": 200, "body": '{"status": "ok"}'}


class CountingRuntime:
    invocations = 0

    def invoke(self, event):
        self.invocations += 1
        return OK


def a_gateway(limit: int) -> tuple[Gateway, CountingRuntime]:
    template = Template({"WafRequestsPerClient": limit})
    runtime = CountingRuntime()
    runtimes = {"OrderApiFunction": runtime, "SaleAdminFunction": runtime}
    gateway = Gateway(RestApi(template), runtimes, "secret", workers=1, waf=WebAcl.from_template(template))  # type: ignore[arg-type]
    return gateway, runtime


def send(gateway: Gateway, token: str | None = None, ip: str = "203.0.113.7", path: str = "/health"):
    headers = [(b"authorization", token.encode())] if token else []
    scope = {"method": "GET", "path": path, "headers": headers, "client": (ip, 1234)}
    return asyncio.run(gateway.handle(scope, b""))


def test_no_web_acl_unless_the_template_deploys_one():
    assert WebAcl.from_template(Template()) is None
    assert WebAcl.from_template(Template({"WafRequestsPerClient": 10})) is not None


def test_a_client_over_the_limit_is_blocked_before_the_api_and_others_are_not():
    gateway, runtime = a_gateway(limit=10)
    statuses = [send(gateway, "Bearer mallory")[0] for _ in range(15)]
    assert statuses == [200] * 10 + [429] * 5
    assert runtime.invocations == 10  # the shed requests never reached Lambda
    status, headers, body = send(gateway, "Bearer mallory")
    assert (status, headers["Retry-After"], json.loads(body)["error"]) == (429, "60", "rate_limited")
    assert [send(gateway, "Bearer alice")[0] for _ in range(10)] == [200] * 10
    assert gateway.stats.waf_blocked == 6
    gateway.executor.shutdown()


def test_clients_without_a_token_are_counted_by_ip_and_blocked_even_on_unknown_routes():
    gateway, _ = a_gateway(limit=10)
    assert [send(gateway, ip="198.51.100.1")[0] for _ in range(10)] == [200] * 10
    assert send(gateway, ip="198.51.100.1", path="/nowhere")[0] == 429  # WAF answers before routing
    assert send(gateway, ip="198.51.100.2")[0] == 200
    assert send(gateway, "Bearer carol", ip="198.51.100.1")[0] == 200  # with a token: the token's own count
    gateway.executor.shutdown()


def test_the_window_slides():
    gateway, _ = a_gateway(limit=10)
    clock = [1000.0]
    assert gateway.waf is not None
    gateway.waf.clock = lambda: clock[0]
    for _ in range(10):
        assert send(gateway, "Bearer bob")[0] == 200
        clock[0] += 1
    assert send(gateway, "Bearer bob")[0] == 429  # 11 within 60 s
    clock[0] += 60
    assert send(gateway, "Bearer bob")[0] == 200  # the earlier ones have left the window
    gateway.executor.shutdown()


@pytest.mark.parametrize("limit", [10, 100])
def test_the_limit_comes_from_the_template_parameter(limit):
    acl = WebAcl.from_template(Template({"WafRequestsPerClient": limit}))
    assert acl is not None
    assert {rule.limit for rule in acl.rules} == {limit}
