"""A flash-sale burst over HTTP: distinct buyers, some retrying with the same key, all following their orders.

Works against any FlashDeal URL: the embedded stack, LocalStack or a deployed stack.
"""

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

FINAL = {"CONFIRMED", "REJECTED"}
COME_BACK = {"request_in_progress", "throttled"}  # answers that ask the buyer to retry the same request


@dataclass
class Attempt:
    buyer: str
    key: str
    started: float
    latency: float
    status: int
    order_id: str | None = None
    error: str | None = None


@dataclass
class BurstResult:
    started: float
    started_wall: float = field(default_factory=time.time)
    attempts: list[Attempt] = field(default_factory=list)
    finals: dict[str, dict[str, Any]] = field(default_factory=dict)  # order_id -> final order view
    final_seen_at: dict[str, float] = field(default_factory=dict)
    buyer_orders: dict[str, set[str]] = field(default_factory=dict)  # buyer -> order ids it was given
    unfinished: set[str] = field(default_factory=set)
    transport_errors: int = 0

    @property
    def accepted(self) -> set[str]:
        return {a.order_id for a in self.attempts if a.status == 202 and a.order_id}

    def rejections(self) -> Counter[str]:
        """Early (409 at the API) and late (REJECTED by the worker) rejections, by reason, per buyer."""
        reasons: Counter[str] = Counter()
        accepted_buyers = {a.buyer for a in self.attempts if a.status == 202}
        for buyer in {a.buyer for a in self.attempts} - accepted_buyers:
            last = [a for a in self.attempts if a.buyer == buyer][-1]
            reasons[f"at the API: {last.status} {last.error or ''}".strip()] += 1
        for view in self.finals.values():
            if view["status"] == "REJECTED":
                reasons[f"by the worker: {view.get('reason') or 'unknown'}"] += 1
        return reasons

    def settle_times(self) -> list[float]:
        """Seconds from the burst's start to each order's settlement, by the orders' own timestamps."""
        return [datetime.fromisoformat(v["updated_at"]).timestamp() - self.started_wall for v in self.finals.values()]

    def settled_after(self) -> float:
        return max(self.settle_times(), default=0.0)

    def confirmed(self) -> list[dict[str, Any]]:
        return [v for v in self.finals.values() if v["status"] == "CONFIRMED"]


async def run_burst(
    url: str,
    sale_id: str,
    buyers: int,
    retry_share: float = 0.2,
    concurrency: int = 64,
    poll_timeout_s: float = 120,
    progress: Callable[[str], None] | None = None,
    seed: int | None = None,
    result: BurstResult | None = None,
) -> BurstResult:
    """``result`` may be passed in to watch the burst while it runs (the chaos runner does)."""
    rng = random.Random(seed)
    result = result or BurstResult(started=time.perf_counter())
    retriers = set(rng.sample(range(buyers), int(buyers * retry_share)))
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        reporter = asyncio.create_task(_report(result, buyers, progress)) if progress else None
        await asyncio.gather(
            *(_buyer(client, gate, result, sale_id, n, n in retriers, rng, poll_timeout_s) for n in range(buyers))
        )
        if reporter:
            reporter.cancel()
    result.unfinished = result.accepted - set(result.finals)
    return result


async def _buyer(
    client: httpx.AsyncClient,
    gate: asyncio.Semaphore,
    result: BurstResult,
    sale_id: str,
    n: int,
    retries: bool,
    rng: random.Random,
    poll_timeout_s: float,
) -> None:
    buyer, key = f"buyer-{n:05d}-{rng.getrandbits(32):08x}", f"checkout-{rng.getrandbits(64):016x}"
    tries = [_place(client, gate, result, sale_id, buyer, key)]
    if retries:  # the same click twice: a nervous buyer, or a client retrying after a timeout
        tries.append(_place(client, gate, result, sale_id, buyer, key, delay=rng.uniform(0, 0.05)))
    order_ids = {order_id for order_id in await asyncio.gather(*tries) if order_id}
    result.buyer_orders[buyer] = order_ids
    for order_id in order_ids:
        await _follow(client, gate, result, buyer, order_id, poll_timeout_s)


async def _place(
    client: httpx.AsyncClient,
    gate: asyncio.Semaphore,
    result: BurstResult,
    sale_id: str,
    buyer: str,
    key: str,
    delay: float = 0.0,
) -> str | None:
    await asyncio.sleep(delay)
    for _ in range(20):  # bounded: 409 request_in_progress and 429 throttled ask us to come back
        async with gate:
            started = time.perf_counter()
            try:
                answer = await client.post(
                    f"/sales/{sale_id}/orders",
                    json={"quantity": 1},
                    headers={"Idempotency-Key": key, "X-User-Id": buyer},
                )
            except httpx.HTTPError:
                result.transport_errors += 1
                return None
        body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
        attempt = Attempt(
            buyer,
            key,
            started - result.started,
            time.perf_counter() - started,
            answer.status_code,
            body.get("order_id"),
            body.get("error"),
        )
        result.attempts.append(attempt)
        if attempt.error not in COME_BACK:
            return attempt.order_id if answer.status_code == 202 else None
        await asyncio.sleep(float(answer.headers.get("retry-after", "1")) * random.uniform(0.2, 0.6))  # jittered
    return None


async def _follow(
    client: httpx.AsyncClient, gate: asyncio.Semaphore, result: BurstResult, buyer: str, order_id: str, timeout_s: float
) -> None:
    if order_id in result.finals:
        return
    deadline, pause = time.perf_counter() + timeout_s, 0.3
    while time.perf_counter() < deadline and order_id not in result.finals:
        await asyncio.sleep(pause)
        pause = min(pause * 1.5, 2.0)
        async with gate:
            try:
                answer = await client.get(f"/orders/{order_id}", headers={"X-User-Id": buyer})
            except httpx.HTTPError:
                result.transport_errors += 1
                continue
        if answer.status_code == 200 and answer.json()["status"] in FINAL:
            result.finals[order_id] = answer.json()
            result.final_seen_at[order_id] = time.perf_counter() - result.started


async def _report(result: BurstResult, buyers: int, progress: Callable[[str], None]) -> None:
    while True:
        await asyncio.sleep(2)
        answered = len({a.buyer for a in result.attempts})
        progress(
            f"{time.perf_counter() - result.started:5.1f}s  buyers answered {answered}/{buyers}  "
            f"accepted {len(result.accepted)}  final {len(result.finals)}"
        )
