"""What a million orders cost at list prices, part by part, and what a million sold-out answers cost.

The database is paid by the hour, not by the order: a million orders carry the hours the strategy's
settle rate needs for them (Aurora instance and RDS Proxy), the least a sale of that size can cost.
"""

from flashlab.capacity.inputs import Inputs
from flashlab.capacity.model import ORDER_LOOKUP_RRU, api_ms, worker_batch_ms, writes_per_order

MILLION = 1_000_000
DB_VCPUS = 2  # db.r6g.large, the instance priced in aws.toml: the lab's 2 cores
SQS_REQUESTS_PER_BATCH = 2  # the event source's ReceiveMessage and DeleteMessageBatch for one batch


def _front(inputs: Inputs) -> dict[str, float]:
    p = inputs.prices
    waf = {"WAF": p["waf_per_million_requests"]} if inputs.waf else {}
    return {"API Gateway (REST)": p["api_gateway_rest_per_million"]} | waf


def _lambda(prices: dict[str, float], invocations: float, ms: float, memory_mb: int) -> float:
    gb_s = invocations * ms / 1000 * memory_mb / 1024
    return invocations / MILLION * prices["lambda_per_million_requests"] + gb_s * prices["lambda_arm64_per_gb_second"]


def _reads(calls: dict[str, float]) -> float:
    return sum(n for op, n in calls.items() if op == "dynamodb.GetItem") * ORDER_LOOKUP_RRU


def per_million_orders(inputs: Inputs, strategy: str) -> dict[str, float]:
    """US dollars per million accepted and settled orders, by part."""
    p, batches = inputs.prices, MILLION / inputs.batch_size
    writes = sum(writes_per_order(inputs, idempotency_table=flag) for flag in (True, False))
    sends = sum(n for op, n in inputs.calls_per_accept.items() if op.startswith("sqs."))
    hours = MILLION / inputs.settling[strategy].orders_per_s / 3600
    return _front(inputs) | {
        "Lambda, API": _lambda(p, MILLION, api_ms(inputs), inputs.api_memory_mb),
        "DynamoDB writes": writes * p["dynamodb_on_demand_per_million_wru"],
        "DynamoDB reads": _reads(inputs.calls_per_accept) * p["dynamodb_on_demand_per_million_rru"],
        "SQS": (sends * MILLION + SQS_REQUESTS_PER_BATCH * batches) / MILLION * p["sqs_standard_per_million_requests"],
        "Lambda, worker": _lambda(p, batches, worker_batch_ms(inputs, strategy), inputs.worker_memory_mb),
        "Aurora + RDS Proxy, for the hours settling takes": hours
        * (p["aurora_postgresql_instance_per_hour"] + DB_VCPUS * p["rds_proxy_per_vcpu_hour"]),
    }


def per_million_sold_out_answers(inputs: Inputs) -> dict[str, float]:
    p = inputs.prices
    return _front(inputs) | {
        "Lambda, API": _lambda(p, MILLION, api_ms(inputs, accepted=False), inputs.api_memory_mb),
        "DynamoDB reads": _reads(inputs.calls_per_rejection) * p["dynamodb_on_demand_per_million_rru"],
    }


def provisioned_per_hour(inputs: Inputs, environments: float) -> float:
    """Provisioned concurrency for the API function: ``environments`` kept warm for an hour."""
    gb_s = environments * inputs.api_memory_mb / 1024 * 3600
    return gb_s * inputs.prices["lambda_arm64_provisioned_per_gb_second"]
