"""The faults `make chaos` injects, one per row. Each runs during a burst, from ``start_s`` into it."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flashlab.burst import BurstResult
from flashlab.chaos.faults import AWS_ERRORS, HANG_IN_TRANSACTION, KILL_AFTER_COMMIT
from flashlab.postgres import restart_embedded
from flashlab.queued_orders import order_body, send_bodies
from flashlab.stack_process import RunningStack

Action = Callable[[RunningStack, str, BurstResult], None]  # stack, sale id, the burst so far


@dataclass
class Scenario:
    name: str
    budget: dict[str, int] = field(default_factory=dict)  # injections inside the environments
    action: Action | None = None  # what the runner does itself
    window_s: float = 10.0  # how long the fault lasts, at most


def stop_postgres_for(seconds: float) -> Action:
    """pg_ctl stop -m fast (every connection dies), a pause, then start again."""

    def action(stack: RunningStack, sale_id: str, burst: BurstResult) -> None:
        restart_embedded(Path(stack.data_dir or ""), stack.database_url, "fast", seconds)

    return action


def send_poison(count: int) -> Action:
    def action(stack: RunningStack, sale_id: str, burst: BurstResult) -> None:
        bodies = ["{not json", json.dumps({"order_id": "not-a-uuid"}), json.dumps({"sale_id": sale_id})]
        send_bodies(stack, [bodies[i % len(bodies)] for i in range(count)])

    return action


def deliver_twice(share: float) -> Action:
    """Sends again the messages of a share of the orders accepted so far: SQS's at-least-once, forced."""

    def action(stack: RunningStack, sale_id: str, burst: BurstResult) -> None:
        attempts = [a for a in burst.attempts if a.status == 202][: max(1, int(len(burst.attempts) * share))]
        now = datetime.now(UTC)
        bodies = [order_body(sale_id, a.buyer, a.key, now) for a in attempts]
        send_bodies(stack, bodies + bodies)

    return action


def scenarios(quick: bool) -> list[Scenario]:
    scale = 1 if quick else 3
    return [
        Scenario("worker SIGKILLed after its commit", {KILL_AFTER_COMMIT: 2 * scale}),
        Scenario("worker outlives its timeout mid-transaction", {HANG_IN_TRANSACTION: scale}),
        Scenario("Postgres stopped for 10 s", action=stop_postgres_for(10), window_s=10),
        Scenario("DynamoDB/SQS errors on API and worker", {AWS_ERRORS: 40 * scale}),
        Scenario("poison messages", action=send_poison(5 * scale)),
        Scenario("duplicate deliveries", action=deliver_twice(0.3)),
    ]
