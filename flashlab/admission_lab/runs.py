"""One lab run: a closed loop of buyers (and, for abuse, bots) against one sale, watched until settled."""

import asyncio
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import httpx

from flashlab.admission_lab.observe import Sample, Sampler, SlowPostgres, settled, wait_drained
from flashlab.demo import create_sale
from flashlab.front_bench.drive import Answer, closed_loop, local_stats, place
from flashlab.stack_process import RunningStack

API = "OrderApiFunction"


@dataclass(frozen=True)
class Load:
    buyers: int  # honest buyers, one order each
    clients: int  # their connections
    bots: int = 0  # abusive identities, sending orders back to back
    bot_clients: int = 0  # their connections


@dataclass
class Run:
    label: str
    inventory: int
    buyers: list[Answer]  # one answer per honest buyer
    bots: list[Answer] = field(default_factory=list)  # every answer the bots got
    samples: list[Sample] = field(default_factory=list)
    settled: dict[str, int] = field(default_factory=dict)  # Postgres' orders by status and reason
    drain_s: float = 0.0  # from the burst's end until the queue was empty
    api_invocations: int = 0  # Lambda invocations of the order API during the run
    api_calls: int = 0  # AWS calls those invocations made


def _function(stats: dict[str, Any] | None) -> tuple[int, int]:
    if not stats:
        return 0, 0
    api = stats["functions"][API]
    return api["invocations"], sum(api["aws_calls"].values())


async def _loop(url: str, sale: str, load: Load) -> tuple[list[Answer], list[Answer]]:
    """Honest buyers (one order each, ``closed_loop``) and, beside them, bots sending orders back to back
    with fresh keys until the last honest buyer is answered."""
    done = asyncio.Event()
    abuse: list[Answer] = []

    async def buyers() -> list[Answer]:
        try:
            return await closed_loop(url, sale, load.buyers, load.clients, prefix="buyer", bearer=True)
        finally:
            done.set()

    async def bots() -> None:
        if not load.bot_clients:
            return
        limits = httpx.Limits(max_connections=load.bot_clients, max_keepalive_connections=load.bot_clients)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
            began = time.perf_counter()

            async def bot(name: str) -> None:
                while not done.is_set():
                    abuse.append(await place(client, sale, name, began, {"Authorization": f"Bearer {name}"}))

            await asyncio.gather(*(bot(f"bot-{k % load.bots}") for k in range(load.bot_clients)))

    honest, _ = await asyncio.gather(buyers(), bots())
    return honest, abuse


def run(stack: RunningStack, label: str, inventory: int, margin: str | int, load: Load, slow_ms: int = 0) -> Run:
    """One sale, one burst; with ``slow_ms`` Postgres takes that much longer per order until the queue drains."""
    with SlowPostgres(stack.database_url, slow_ms) if slow_ms else nullcontext():
        return _measure(stack, label, inventory, margin, load)


def _measure(stack: RunningStack, label: str, inventory: int, margin: str | int, load: Load) -> Run:
    sale = create_sale(stack.api_url, stack.admin_token, inventory, 8, backlog_margin_percent=margin)["sale_id"]
    before = _function(local_stats(stack.api_url))
    sampler = Sampler(stack.api_url, stack.database_url)
    sampler.start()
    honest, abuse = asyncio.run(_loop(stack.api_url, sale, load))
    drain_s = wait_drained(stack.api_url)
    time.sleep(0.5)  # the last samples of an empty queue
    samples = sampler.stop()
    after = _function(local_stats(stack.api_url))
    result = Run(label, inventory, honest, abuse, samples, settled(stack.database_url, sale), drain_s)
    result.api_invocations, result.api_calls = after[0] - before[0], after[1] - before[1]
    accepted = sum(a.status == 202 for a in honest)
    print(f"  {label}: {accepted:,} of {len(honest):,} buyers accepted, {len(abuse):,} bot requests", flush=True)
    return result
