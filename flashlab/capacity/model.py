"""Where one FlashDeal deployment stops: each part's ceiling in buyers per second, and a sale's timeline.

Buyers each ask for one unit. While units remain, every request is an order attempt; after the last unit
is claimed, every request is a sold-out answer. Lambda durations on AWS are the measured CPU, slowed
down by the function's share of a vCPU, plus one in-Region round trip per AWS call.
"""

from dataclasses import dataclass
from typing import Literal

from flashlab.capacity.inputs import Inputs

# DynamoDB writes by item kind (its key's prefix; ``id``: the idempotency table, every other kind is the
# sales table), counted on the real handlers and held by tests/integration/test_calls_per_order.py.
IDEMPOTENCY_ITEM = "id"
WRITES_PER_ACCEPT = {"REQUESTS": 1, "PURCHASE": 1, "SALE": 1, "ORDER": 1, IDEMPOTENCY_ITEM: 2}
WRITES_PER_SETTLED_ORDER = {"ORDER": 1}  # the order's final status, for the buyer's GET
WRITES_PER_SETTLED_BATCH = {"SALE": 1}  # the sold counter, once per worker batch
SALE_STATE_RRU = 0.5  # the sale's item is read eventually consistent, once per API environment per TTL
ORDER_LOOKUP_RRU = 0.5  # a sold-out answer's ORDER read (was this key accepted?), eventually consistent


# Where a limit sits on an order's path: API Gateway refuses before any Lambda runs; settling refuses nobody
# (orders wait in SQS), so it bounds the settle rate, not the accept rate.
type Tier = Literal["gateway", "lambda", "dynamodb", "settling"]


@dataclass(frozen=True)
class Limit:
    part: str
    tier: Tier
    buyers_per_s: float  # the offered load at which this part is full
    past_it: str  # what buyers see when the load goes past it
    raise_it: str  # what lifts it
    design: bool = False  # no quota or parameter lifts it: only a change to the code does


def cpu_slowdown(inputs: Inputs, memory_mb: int) -> float:
    """How much longer a CPU-bound stretch takes on Lambda than on one full core of the lab's machine."""
    return max(1.0, inputs.quotas["lambda_mb_per_vcpu"] / memory_mb)


def calls_ms(inputs: Inputs, calls: dict[str, float]) -> float:
    latency = inputs.latencies
    return sum(
        n * (latency["sqs_send_ms"] if op.startswith("sqs.") else latency["dynamodb_call_ms"])
        for op, n in calls.items()
    )


def api_ms(inputs: Inputs, accepted: bool = True) -> float:
    """The API function's billed duration for one accepted order (or one sold-out answer)."""
    cpu = inputs.api_cpu_ms_per_accept if accepted else inputs.api_cpu_ms_per_rejection
    calls = inputs.calls_per_accept if accepted else inputs.calls_per_rejection
    return cpu * cpu_slowdown(inputs, inputs.api_memory_mb) + calls_ms(inputs, calls)


def worker_batch_ms(inputs: Inputs, strategy: str) -> float:
    """The worker's billed duration for one SQS batch: the lab's batch latency, its Python share slowed down."""
    s = inputs.settling[strategy]
    python_ms = s.python_ms_per_order * s.measured_at[1]
    slower = cpu_slowdown(inputs, inputs.worker_memory_mb) - 1
    return s.batch_p50_ms + python_ms * slower + inputs.latencies["aurora_call_ms"]


def writes_per_order(inputs: Inputs, idempotency_table: bool) -> float:
    """Writes on one table per order, accepted and settled: the idempotency table, or the sales table."""

    def on_table(writes: dict[str, int]) -> int:
        return sum(n for kind, n in writes.items() if (kind == IDEMPOTENCY_ITEM) == idempotency_table)

    per_batch = on_table(WRITES_PER_SETTLED_BATCH) / inputs.batch_size
    return on_table(WRITES_PER_ACCEPT) + on_table(WRITES_PER_SETTLED_ORDER) + per_batch


def busiest_table_writes(inputs: Inputs) -> float:
    return max(writes_per_order(inputs, idempotency_table=flag) for flag in (True, False))


def limits(inputs: Inputs, strategy: str) -> list[Limit]:
    """Every part's ceiling while units remain, lowest first."""
    q, api_s = inputs.quotas, api_ms(inputs) / 1000
    sale_item_writes = WRITES_PER_ACCEPT["SALE"] + WRITES_PER_SETTLED_BATCH["SALE"] / inputs.batch_size
    unreserved = q["lambda_concurrent_executions"] - inputs.reserved_elsewhere
    sale_item_reads = q["dynamodb_partition_rru_per_second"] * inputs.sale_state_ttl_s / SALE_STATE_RRU
    sale_item_ceiling = q["dynamodb_partition_wru_per_second"] / sale_item_writes
    table_ceiling = q["dynamodb_table_wru_per_second"] / busiest_table_writes(inputs)
    new_table = q["dynamodb_new_table_wru_per_second"]
    first_peak = min(  # the sales table may be warmed (a template parameter); the idempotency table is not
        max(new_table, inputs.sales_table_warm_wru) / writes_per_order(inputs, idempotency_table=False),
        new_table / writes_per_order(inputs, idempotency_table=True),
    )
    retry = "503 service_unavailable, retryable"
    found = [
        Limit("API route throttle (OrderThrottlingRateLimit)", "gateway", inputs.order_route_rps,
              "429 throttled from API Gateway, before any Lambda runs", "the parameter, up to the next ceiling"),
        Limit("API Gateway, account quota", "gateway", q["api_gateway_account_rps"],
              "429 from API Gateway", "Service Quotas (L-8A5B8E43)"),
        Limit("Lambda concurrency, account quota", "lambda", unreserved / api_s,
              "Lambda refuses the invocation; API Gateway answers an error", "Service Quotas: concurrent executions"),
        Limit("DynamoDB, the sale's item (writes)", "dynamodb", sale_item_ceiling,
              f"the claim is given back; {retry}", "split the unclaimed-units counter over items (decision log)", True),
        Limit("DynamoDB, the sale's item (reads)", "dynamodb", sale_item_reads / api_s, retry,
              "cache the sale state longer (SALE_STATE_TTL_SECONDS delays sold-out news)", True),
        Limit("DynamoDB, a new table's first peak (writes)", "dynamodb", first_peak,
              f"{retry}, until the table adapts", "SalesTableWarmWritesPerSecond (warm throughput)"),
        Limit("DynamoDB, on-demand table maximum (writes)", "dynamodb", table_ceiling,
              retry, "Service Quotas: table-level write throughput"),
        Limit(f"Settling: {inputs.worker_concurrency} workers, batch {inputs.batch_size}, {strategy}", "settling",
              inputs.settling[strategy].orders_per_s, "nobody is refused: orders wait in SQS, PENDING for longer",
              "more workers (MaximumConcurrency), batched, a bigger database", True),
    ]  # fmt: skip
    return sorted(found, key=lambda limit: limit.buyers_per_s)


def sold_out_answer_limit(inputs: Inputs) -> Limit:
    """After the last unit: each sold-out answer reads one ORDER item (was this key accepted before?)."""
    reads = sum(n for op, n in inputs.calls_per_rejection.items() if op == "dynamodb.GetItem") * ORDER_LOOKUP_RRU
    return Limit(
        "DynamoDB, table reads by sold-out answers",
        "dynamodb",
        inputs.quotas["dynamodb_table_rru_per_second"] / reads,
        "503 service_unavailable instead of 409 sold_out",
        "answer sold-out before the read (decision log)",
        design=True,
    )


@dataclass(frozen=True)
class Burst:
    buyers_per_s: float
    accepted_per_s: float  # while units remain
    first_bottleneck: str  # the lowest ceiling the offered load passes, or "none"
    api_environments: float  # Lambda concurrency the requests reaching the API need (Little's law)
    ramp_s: float  # how long Lambda's scaling rate takes to create them


def burst(inputs: Inputs, strategy: str, buyers_per_s: float, lifted: bool = False) -> Burst:
    """One sale's accept rate under a burst: as deployed, or with every quota and parameter ``lifted``."""
    found = [x for x in limits(inputs, strategy) if x.design or not lifted]
    front = [x.buyers_per_s for x in found if x.tier != "settling"]
    passed = [x for x in found if x.buyers_per_s < buyers_per_s]
    gateway = [x.buyers_per_s for x in found if x.tier == "gateway"]
    environments = min([buyers_per_s, *gateway]) * api_ms(inputs) / 1000  # API Gateway's 429s never reach Lambda
    return Burst(
        buyers_per_s=buyers_per_s,
        accepted_per_s=min([buyers_per_s, *front]),
        first_bottleneck=passed[0].part if passed else "none",
        api_environments=environments,
        ramp_s=environments * 10 / inputs.quotas["lambda_scaling_per_10_seconds"],
    )


def sell_out_s(inputs: Inputs, strategy: str, units: int, accepted_per_s: float) -> tuple[float, float]:
    """Seconds until the last unit is claimed, and until the last order is settled (settling runs alongside)."""
    claimed = units / accepted_per_s
    return claimed, max(claimed, units / inputs.settling[strategy].orders_per_s)
