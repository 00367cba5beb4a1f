"""One chaos row: a fresh stack, a sale, a burst, the fault in the middle of it, then the invariants."""

import argparse
import asyncio
import time
from pathlib import Path

import httpx

from flashlab.burst import FINAL, BurstResult, run_burst
from flashlab.chaos.faults import arm, left
from flashlab.chaos.report import Row
from flashlab.chaos.scenarios import Scenario
from flashlab.demo import create_sale
from flashlab.invariants import sale_facts
from flashlab.percentiles import percentile
from flashlab.stack_process import RunningStack, start_stack

STACK_ARGS = ["--param", "ReconcileSchedule=rate(1 minute)", "--param", "ReconcilePendingAfterSeconds=30"]


def run_trial(scenario: Scenario, args: argparse.Namespace, budget: Path, data_dir: Path) -> Row:
    visibility = ["--visibility-timeout", str(args.visibility_timeout)] if args.visibility_timeout else []
    stack = start_stack("--data-dir", str(data_dir), "--fresh", *STACK_ARGS, *visibility)
    stack.data_dir = str(data_dir)
    try:
        sale_id = create_sale(stack.api_url, stack.admin_token, args.inventory, shards=8)["sale_id"]
        return asyncio.run(_trial(stack, scenario, args, budget, sale_id))
    finally:
        arm(budget, {})
        stack.stop()


async def _trial(stack: RunningStack, scenario: Scenario, args: argparse.Namespace, budget: Path, sale: str) -> Row:
    result = BurstResult(started=time.perf_counter())
    follow_s = scenario.window_s + args.final_within + 30
    burst = asyncio.create_task(run_burst(stack.api_url, sale, args.buyers, poll_timeout_s=follow_s, result=result))
    await asyncio.sleep(1.0)  # the burst is under way
    fault_started = time.perf_counter()
    arm(budget, scenario.budget)
    if scenario.action is not None:
        await asyncio.to_thread(scenario.action, stack, sale, result)
    while scenario.budget and time.perf_counter() - fault_started < scenario.window_s and any(left(budget).values()):
        await asyncio.sleep(0.2)
    remaining = left(budget)
    injected = {k: v - remaining.get(k, 0) for k, v in scenario.budget.items()}
    arm(budget, {})
    fault_ended = time.perf_counter() - result.started
    await burst
    await _last_look(stack, result)
    return _row(stack, scenario, sale, args, result, fault_ended, injected)


async def _last_look(stack: RunningStack, result: BurstResult) -> None:
    """Followers give up after their timeout; ask once more about every order they did not see final."""
    owners = {o: b for b, orders in result.buyer_orders.items() for o in orders}
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
        for order_id in result.accepted - set(result.finals):
            answer = await client.get(f"/orders/{order_id}", headers={"X-User-Id": owners.get(order_id, "")})
            if answer.status_code == 200 and answer.json()["status"] in FINAL:
                result.finals[order_id] = answer.json()
                result.final_seen_at[order_id] = time.perf_counter() - result.started


def _row(
    stack: RunningStack,
    scenario: Scenario,
    sale: str,
    args: argparse.Namespace,
    result: BurstResult,
    fault_ended: float,
    injected: dict[str, int],
) -> Row:
    facts = sale_facts(stack.database_url, sale)
    accepted = result.accepted
    final_at = {o: result.final_seen_at[o] for o in accepted if o in result.final_seen_at}
    late = [o for o in accepted if final_at.get(o, float("inf")) > fault_ended + args.final_within]
    confirmed_seen = sum(v["quantity"] for v in result.confirmed())
    stats = httpx.get(f"{stack.api_url}/_local/stats", timeout=10).json()
    dlq = stats["queues"]["OrdersDLQ"]
    return Row(
        fault=scenario.name,
        injected=sum(injected.values()) if injected else None,
        accepted=len(accepted),
        lost=len(accepted - set(result.finals)),
        oversold=max(0, facts["confirmed"] - args.inventory, facts["taken"] - args.inventory, facts["negative_shards"]),
        duplicated=facts["buyers_confirmed_twice"],
        disagreeing=abs(confirmed_seen - facts["confirmed"]) + abs(facts["taken"] - facts["confirmed"]),
        not_final_in_time=len(late),
        recovery_s=max(0.0, max(final_at.values(), default=fault_ended) - fault_ended),
        final_p99_s=percentile(final_at.values(), 0.99) if final_at else 0.0,
        dead_lettered=dlq["visible"] + dlq["in_flight"],
        api_errors=sum(1 for a in result.attempts if a.status >= 500 and a.status != 503),
    )
