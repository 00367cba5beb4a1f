"""docs/capacity.md and its plot, written from the model: every number on the page is computed."""

from flashlab.capacity import cost
from flashlab.capacity.inputs import Inputs
from flashlab.capacity.model import (
    Limit,
    api_ms,
    burst,
    cpu_slowdown,
    limits,
    sell_out_s,
    sold_out_answer_limit,
    worker_batch_ms,
)

LOADS = [1_000, 10_000, 100_000, 1_000_000]  # buyers per second
SALE_SIZES = [1_000, 10_000, 100_000, 1_000_000]  # units


def _n(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:,.0f} min"


def _limit_rows(found: list[Limit]) -> list[str]:
    kind = {True: "design", False: "quota or parameter"}
    return [f"| {x.part} | {_n(x.buyers_per_s)} | {kind[x.design]} | {x.past_it} | {x.raise_it} |" for x in found]


def burst_rows(inputs: Inputs, strategy: str) -> list[str]:
    rows = []
    for load in LOADS:
        deployed, lifted = burst(inputs, strategy, load), burst(inputs, strategy, load, lifted=True)
        rows.append(
            f"| {load:,} | {_n(deployed.accepted_per_s)} | {deployed.first_bottleneck} | "
            f"{_n(lifted.accepted_per_s)} | {lifted.first_bottleneck} | "
            f"{_n(lifted.api_environments)}, {_duration(lifted.ramp_s)} to scale |"
        )
    return rows


def warm_rows(inputs: Inputs, strategy: str) -> list[str]:
    rows = []
    for load in LOADS:
        lifted = burst(inputs, strategy, load, lifted=True)
        hour = cost.provisioned_per_hour(inputs, lifted.api_environments)
        rows.append(f"| {load:,} | {_n(lifted.api_environments)} | {_duration(lifted.ramp_s)} | ${hour:,.2f} |")
    return rows


def sale_rows(inputs: Inputs, strategy: str) -> list[str]:
    per_order = sum(cost.per_million_orders(inputs, strategy).values()) / cost.MILLION
    deployed, lifted = burst(inputs, strategy, LOADS[-1]), burst(inputs, strategy, LOADS[-1], lifted=True)
    rows = []
    for units in SALE_SIZES:
        times = [sell_out_s(inputs, strategy, units, b.accepted_per_s) for b in (deployed, lifted)]
        spans = " | ".join(f"{_duration(claimed)} / {_duration(settled)}" for claimed, settled in times)
        rows.append(f"| {units:,} | {spans} | ${units * per_order:,.2f} |")
    return rows


def page(inputs: Inputs, strategy: str) -> str:
    found = limits(inputs, strategy)
    first = found[0]
    orders = cost.per_million_orders(inputs, strategy)
    answers = cost.per_million_sold_out_answers(inputs)
    lines = [
        "# Capacity and cost: where one deployment stops",
        "",
        "Written by `make capacity` from measured inputs; do not edit by hand. Every number below is computed from:",
        "",
        *[f"- **{what}**: {where}" for what, where in inputs.provenance.items()],
        "",
        f"Strategy `{strategy}` (the default), one sale, each buyer asking for one unit. On Lambda a function of "
        f"{inputs.api_memory_mb} MB runs CPU-bound code {cpu_slowdown(inputs, inputs.api_memory_mb):.1f}x slower "
        "than one core of the lab's machine (taken as one Lambda vCPU), so the API's "
        f"{inputs.api_cpu_ms_per_accept:.1f} ms of measured CPU per accepted order, "
        f"plus one in-Region round trip per AWS call, is **{api_ms(inputs):.0f} ms per accepted order** and "
        f"{api_ms(inputs, accepted=False):.0f} ms per sold-out answer; a worker batch of {inputs.batch_size} is "
        f"{worker_batch_ms(inputs, strategy):.0f} ms.",
        "",
        "![Accepted and settled orders as the offered load grows, against each ceiling; cost by part]"
        "(img/capacity.png)",
        "",
        "## Ceilings while units remain, lowest first",
        "",
        "| part | full at buyers/s | limit of | past it, buyers get | what lifts it |",
        "|---|---|---|---|---|",
        *_limit_rows(found),
        "",
        f"**First bottleneck: {first.part}, at {_n(first.buyers_per_s)} buyers/s.** After the last unit, every "
        "request is a sold-out answer, with its own ceiling:",
        "",
        "| part | full at buyers/s | limit of | past it, buyers get | what lifts it |",
        "|---|---|---|---|---|",
        *_limit_rows([sold_out_answer_limit(inputs)]),
        "",
        "## Bursts of 1k to 1M buyers/s on one sale",
        "",
        "As deployed (template defaults, a new account, a new table), and with every quota raised, the tables "
        "warmed and the API throttle lifted, so that only the design's own ceilings remain. The Lambda "
        "concurrency is what you would ask Service Quotas for.",
        "",
        "| buyers/s | accepted/s as deployed | first bottleneck | accepted/s, quotas raised | first bottleneck | "
        "API Lambda concurrency, quotas raised |",
        "|---|---|---|---|---|---|",
        *burst_rows(inputs, strategy),
        "",
        "## Sales of 1k to 1M units: time to sell out",
        "",
        f"Under the largest burst above ({LOADS[-1]:,} buyers/s), accepted at "
        f"{_n(burst(inputs, strategy, LOADS[-1]).accepted_per_s)}/s as deployed and "
        f"{_n(burst(inputs, strategy, LOADS[-1], lifted=True).accepted_per_s)}/s with quotas raised. Claimed: "
        "every unit taken by an accepted order; settled: every order CONFIRMED in Postgres.",
        "",
        "| units | claimed / settled, as deployed | claimed / settled, quotas raised | orders cost |",
        "|---|---|---|---|",
        *sale_rows(inputs, strategy),
        "",
        "## Cold starts and the ramp",
        "",
        "Lambda adds at most "
        f"{inputs.quotas['lambda_scaling_per_10_seconds']:,} environments per function every 10 s; each new one "
        "pays a cold start (tests/unit/test_cold_start.py holds the API's import time). For a known sale window, "
        "provisioned concurrency has the environments ready before the first buyer. SnapStart shortens each "
        "cold start but not the ramp, and bills each restore, so it is not modelled here.",
        "",
        "| buyers/s | API environments | ramp without provisioning | provisioned concurrency, per hour |",
        "|---|---|---|---|",
        *warm_rows(inputs, strategy),
        "",
        "## Settle rate by strategy (the lab's, at the template's worker concurrency and batch)",
        "",
        "| strategy | orders/s | lab cell (workers, batch) | 100,000 units settled in |",
        "|---|---|---|---|",
        *[
            f"| {name} | {_n(s.orders_per_s)} | {s.measured_at} | {_duration(100_000 / s.orders_per_s)} |"
            for name, s in inputs.settling.items()
        ],
        "",
        f"## Cost at list prices ({inputs.prices['region']}, recorded {inputs.prices['recorded']})",
        "",
        "| part | per million orders | per million sold-out answers |",
        "|---|---|---|",
        *[f"| {part} | ${orders.get(part, 0):,.2f} | ${answers.get(part, 0):,.2f} |" for part in orders],
        f"| **total** | **${sum(orders.values()):,.2f}** | **${sum(answers.values()):,.2f}** |",
        "",
    ]
    return "\n".join(lines)
