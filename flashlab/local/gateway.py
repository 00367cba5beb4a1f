"""API Gateway (REST API, Lambda proxy integration) in front of the function runtimes, as an ASGI app.

Everything comes from the template's ``AWS::Serverless::Api``: the routes and their auth, the method
throttles and the gateway responses API Gateway answers with on its own; and the web ACL's rate rules
in front of it, when the template deploys one (``flashlab.local.waf``). Identities are stood in for as
``flashlab.local.identities`` says. Every routed answer is reported to the stack's CloudWatch as API
Gateway's per-method metrics.
"""

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from flashlab.events import response_headers, rest_event
from flashlab.local import aws_metrics
from flashlab.local.identities import authenticate
from flashlab.local.metric_publisher import MetricPublisher
from flashlab.local.runtime import FunctionFailedError, FunctionRuntime, ThrottledError
from flashlab.local.throttling import TokenBucket
from flashlab.local.waf import WebAcl
from flashlab.rest_api import RestApi, gateway_answer
from flashlab.routing import Router

STATS_PATH = "/_local/stats"  # the emulation's own counters; not part of the API
INVOKE_PREFIX = "/_local/invoke/"  # POST /_local/invoke/<Function>: Lambda's Invoke, for `make reconcile`
Answer = tuple[int, dict[str, str], bytes]
Identity = tuple[dict[str, str] | None, str | None, Answer | None]  # claims, IAM caller, or a refusal


@dataclass
class GatewayStats:
    requests: int = 0
    waf_blocked: int = 0
    throttled: int = 0
    errors_5xx: int = 0


class Gateway:
    def __init__(
        self,
        api: RestApi,
        runtimes: dict[str, FunctionRuntime],
        admin_token: str,
        workers: int,
        stats: Callable[[], dict[str, Any]] | None = None,
        waf: WebAcl | None = None,
        metrics: MetricPublisher | None = None,
    ) -> None:
        self.api = api
        self.waf = waf
        self.metrics = metrics
        routes = api.routes()
        self.router = Router(routes)
        self.responses = api.gateway_responses()
        default, per_method = api.throttles()
        # As in API Gateway, each method has its own bucket: its MethodSettings entry, else the stage's default.
        self.buckets = {}
        for route in routes:
            throttle = per_method.get((route.path, route.method), default)
            self.buckets[(route.path, route.method)] = TokenBucket(throttle.rate, throttle.burst)
        self.runtimes = runtimes
        self.admin_token = admin_token
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="invoke")
        self.local_stats = stats
        self.stats = GatewayStats()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        try:
            status, headers, payload = await self.handle(scope, body)
        except Exception:  # a bug in this emulation still answers as API Gateway would: JSON, never plain text
            self.stats.errors_5xx += 1
            status, headers, payload = self._error("DEFAULT_5XX", 500, "Internal server error")
        start = {"type": "http.response.start", "status": status}
        start["headers"] = [(k.lower().encode(), str(v).encode()) for k, v in headers.items()]
        await send(start)
        await send({"type": "http.response.body", "body": payload})

    async def handle(self, scope: dict[str, Any], body: bytes) -> Answer:
        self.stats.requests += 1
        method, path = scope["method"], scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if path == STATS_PATH and self.local_stats is not None:
            stats = await asyncio.get_running_loop().run_in_executor(self.executor, self.local_stats)
            return 200, {"content-type": "application/json"}, json.dumps(stats).encode()
        if path.startswith(INVOKE_PREFIX) and method == "POST" and path[len(INVOKE_PREFIX) :] in self.runtimes:
            return await self._invoke_directly(path[len(INVOKE_PREFIX) :], body)
        client = scope.get("client") or ("127.0.0.1", 0)
        if self.waf is not None and (blocked := self.waf.check(headers, client[0])) is not None:
            self.stats.waf_blocked += 1  # before API Gateway: no route, auth or throttle is looked at
            return blocked
        match = self.router.match(method, path)
        if match is None or match.route is None:
            return self._error("MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token")
        started = time.perf_counter()
        answer = await self._answer(match, method, path, headers, body, scope, client[0])
        if self.metrics is not None:  # API Gateway's per-method metrics: what the dashboard and SLO alarms read
            latency_ms = (time.perf_counter() - started) * 1000
            route = match.route
            self.metrics.publish(
                aws_metrics.api_request(self.api.name, self.api.stage, route.method, route.path, answer[0], latency_ms)
            )
        return answer

    async def _answer(
        self, match: Any, method: str, path: str, headers: dict[str, str], body: bytes, scope: Any, source_ip: str
    ) -> Answer:
        route = match.route
        claims, iam_user, refused = authenticate(route, headers, self.admin_token, self._error)
        if refused is not None:
            return refused
        if not self.buckets[(route.path, route.method)].take():
            self.stats.throttled += 1
            return self._error("THROTTLED", 429, "Too Many Requests")
        event = rest_event(
            method,
            route.path,
            path,
            stage=self.api.stage,
            path_parameters=match.path_parameters,
            body=body or None,
            headers=headers,
            claims=claims,
            iam_user=iam_user,
            query=scope.get("query_string", b"").decode("latin-1"),
            source_ip=source_ip,
        )
        try:
            answer = await asyncio.get_running_loop().run_in_executor(
                self.executor, self.runtimes[route.function].invoke, event
            )
        except ThrottledError:  # Lambda's 429 reaches API Gateway as an integration failure
            self.stats.throttled += 1
            return self._error("INTEGRATION_FAILURE", 500, "Internal server error")
        except FunctionFailedError:
            self.stats.errors_5xx += 1  # a Lambda error, crash or timeout under a proxy integration
            return self._error("DEFAULT_5XX", 502, "Internal server error")
        if not isinstance(answer, dict) or "statusCode" not in answer:  # a malformed proxy response
            self.stats.errors_5xx += 1
            return self._error("DEFAULT_5XX", 502, "Internal server error")
        return _proxy_response(answer)

    async def _invoke_directly(self, function: str, body: bytes) -> Answer:
        event = json.loads(body) if body else {}
        try:
            result = await asyncio.get_running_loop().run_in_executor(
                self.executor, self.runtimes[function].invoke, event
            )
        except (FunctionFailedError, ThrottledError) as exc:
            return 502, {"content-type": "application/json"}, json.dumps({"errorMessage": str(exc)}).encode()
        return 200, {"content-type": "application/json"}, json.dumps(result).encode()

    def _error(self, kind: str, status: int, message: str) -> Answer:
        return gateway_answer(self.responses, kind, status, message, str(uuid.uuid4()))


def _proxy_response(answer: dict[str, Any]) -> Answer:
    body = answer.get("body") or ""
    raw = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
    return int(answer["statusCode"]), response_headers(answer), raw
