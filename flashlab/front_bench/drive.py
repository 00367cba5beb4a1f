"""The front door's load: one buyer at a time, then a closed loop of concurrent clients, POSTs only."""

import asyncio
import itertools
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Answer:
    started_s: float  # since the phase began
    latency_ms: float
    status: int
    error: str | None  # the body's "error" field


async def place(
    client: httpx.AsyncClient, sale_id: str, buyer: str, began: float, headers: dict[str, str] | None = None
) -> Answer:
    started = time.perf_counter()
    response = await client.post(
        f"/sales/{sale_id}/orders",
        json={"quantity": 1},
        headers={"Idempotency-Key": f"bench-{uuid.uuid4()}", "X-User-Id": buyer, **(headers or {})},
    )
    latency_ms = (time.perf_counter() - started) * 1000
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    return Answer(started - began, latency_ms, response.status_code, body.get("error"))


async def one_at_a_time(url: str, sale_id: str, count: int, prefix: str) -> list[Answer]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        began = time.perf_counter()
        return [await place(client, sale_id, f"{prefix}-{n:05d}", began) for n in range(count)]


async def closed_loop(
    url: str, sale_id: str, buyers: int, clients: int, prefix: str = "burst", bearer: bool = False
) -> list[Answer]:
    """``clients`` connections, each sending its next buyer's order as soon as the last one is answered.

    ``bearer``: each buyer also sends ``Authorization: Bearer <buyer>``, so a WAF can count buyers apart.
    """
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    numbers = itertools.count()
    answers: list[Answer] = []
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        began = time.perf_counter()

        async def run_client() -> None:
            while (n := next(numbers)) < buyers:
                buyer = f"{prefix}-{n:05d}"
                headers = {"Authorization": f"Bearer {buyer}"} if bearer else None
                answers.append(await place(client, sale_id, buyer, began, headers))

        await asyncio.gather(*(run_client() for _ in range(clients)))
    return answers


def local_stats(url: str) -> dict[str, Any] | None:
    """The embedded stack's counters, or None against a deployed API."""
    response = httpx.get(f"{url}/_local/stats", timeout=30)
    return response.json() if response.status_code == 200 and "functions" in response.text else None


def calls_between(before: dict[str, Any] | None, after: dict[str, Any] | None, function: str) -> dict[str, int]:
    """AWS calls ``function`` made between two ``local_stats`` readings, by service.Operation."""
    if before is None or after is None:
        return {}
    old, new = before["functions"][function]["aws_calls"], after["functions"][function]["aws_calls"]
    return {op: new[op] - old.get(op, 0) for op in sorted(new) if new[op] != old.get(op, 0)}


async def wait_sold_out(url: str, sale_id: str, timeout_s: float = 120) -> bool:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        while time.monotonic() < deadline:
            if (await client.get(f"/sales/{sale_id}")).json().get("status") == "sold_out":
                return True
            await asyncio.sleep(0.5)
    return False
