"""API Gateway (HTTP API, payload 2.0) in front of the function runtimes, as an ASGI app.

Routes come from the template's HttpApi events. Authorizers are stood in for:
- JWT routes: the ``X-User-Id`` header becomes the ``sub`` claim (no header: 401);
- AWS_IAM routes: ``Authorization: Bearer <FLASHDEAL_ADMIN_TOKEN>`` (otherwise 403).
The stage's rate and burst limits apply (429), from the template's DefaultRouteSettings.
"""

import asyncio
import base64
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from flashlab.events import http_event
from flashlab.local.runtime import FunctionFailedError, FunctionRuntime, ThrottledError
from flashlab.routing import Router

STATS_PATH = "/_local/stats"  # the emulation's own counters; not part of the API


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.capacity, self.tokens = rate, burst, float(burst)
        self.updated = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


@dataclass
class GatewayStats:
    requests: int = 0
    throttled: int = 0
    errors_5xx: int = 0


class Gateway:
    def __init__(
        self,
        router: Router,
        runtimes: dict[str, FunctionRuntime],
        admin_token: str,
        rate: float,
        burst: int,
        workers: int,
        stats: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.router = router
        self.local_stats = stats
        self.runtimes = runtimes
        self.admin_token = admin_token
        self.bucket = TokenBucket(rate, burst)
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="invoke")
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
        status, headers, payload = await self.handle(scope, body)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.lower().encode(), str(v).encode()) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def handle(self, scope: dict[str, Any], body: bytes) -> tuple[int, dict[str, str], bytes]:
        self.stats.requests += 1
        method, path = scope["method"], scope["path"]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        if path == STATS_PATH and self.local_stats is not None:
            stats = await asyncio.get_running_loop().run_in_executor(self.executor, self.local_stats)
            return 200, {"content-type": "application/json"}, json.dumps(stats).encode()
        match = self.router.match(method, path)
        if match is None:
            return _message(404, "Not Found")
        route = match.route
        claims, iam_user = None, None
        if route.auth == "jwt":
            user = headers.get("x-user-id", "").strip()
            if not user:
                return _message(401, "Unauthorized")
            claims = {"sub": user}
        elif route.auth == "iam":
            if headers.get("authorization") != f"Bearer {self.admin_token}":
                return _message(403, "Forbidden")
            iam_user = "local-admin"
        if not self.bucket.take():
            self.stats.throttled += 1
            return _message(429, "Too Many Requests")
        client = scope.get("client") or ("127.0.0.1", 0)
        event = http_event(
            method,
            route.path,
            path,
            path_parameters=match.path_parameters or None,
            body=body or None,
            headers=headers,
            claims=claims,
            iam_user=iam_user,
            query=scope.get("query_string", b"").decode(),
            source_ip=client[0],
        )
        runtime = self.runtimes[route.function]
        try:
            answer = await asyncio.get_running_loop().run_in_executor(self.executor, runtime.invoke, event)
        except ThrottledError:
            self.stats.throttled += 1
            return _message(429, "Too Many Requests")
        except FunctionFailedError:
            self.stats.errors_5xx += 1
            return _message(500, "Internal Server Error")
        return _proxy_response(answer)


def _message(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json"}, json.dumps({"message": message}).encode()


def _proxy_response(answer: Any) -> tuple[int, dict[str, str], bytes]:
    """Payload 2.0 response rules: a dict with statusCode is a proxy response; anything else is a 200 JSON."""
    if not isinstance(answer, dict) or "statusCode" not in answer:
        return 200, {"content-type": "application/json"}, json.dumps(answer).encode()
    body = answer.get("body") or ""
    raw = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
    headers = {k: str(v) for k, v in (answer.get("headers") or {}).items()}
    for name, values in (answer.get("multiValueHeaders") or {}).items():
        headers[name] = ", ".join(map(str, values))
    return int(answer["statusCode"]), headers, raw
