"""The metrics AWS publishes by itself, as the embedded stack's parts see them happen.

API Gateway's per-method metrics (detailed metrics on, as the template sets), Lambda's per-function
ones, and SQS's queue gauges; names and dimensions as in AWS, so the template's dashboard and alarms
read the local CloudWatch unchanged. Each builder returns the data points of one event.
"""

from datetime import UTC, datetime

from flashlab.local.emf import Datum


def _point(namespace: str, name: str, unit: str, dimensions: dict[str, str], value: float) -> Datum:
    return Datum(namespace, name, unit, tuple(dimensions.items()), (float(value),), datetime.now(UTC))


def api_request(api_name: str, stage: str, method: str, resource: str, status: int, latency_ms: float) -> list[Datum]:
    """One answered request: per method, and for the whole stage (both levels are API Gateway's)."""
    data = []
    stage_wide = {"ApiName": api_name, "Stage": stage}
    for dimensions in (stage_wide, stage_wide | {"Resource": resource, "Method": method}):
        data += [
            _point("AWS/ApiGateway", "Count", "Count", dimensions, 1),
            _point("AWS/ApiGateway", "4XXError", "Count", dimensions, 400 <= status < 500),
            _point("AWS/ApiGateway", "5XXError", "Count", dimensions, status >= 500),
            _point("AWS/ApiGateway", "Latency", "Milliseconds", dimensions, latency_ms),
        ]
    return data


def lambda_invocation(function: str, duration_ms: float, failed: bool) -> list[Datum]:
    dimensions = {"FunctionName": function}
    return [
        _point("AWS/Lambda", "Invocations", "Count", dimensions, 1),
        _point("AWS/Lambda", "Errors", "Count", dimensions, failed),
        _point("AWS/Lambda", "Duration", "Milliseconds", dimensions, duration_ms),
    ]


def lambda_throttle(function: str) -> list[Datum]:
    return [_point("AWS/Lambda", "Throttles", "Count", {"FunctionName": function}, 1)]


def lambda_concurrency(function: str, busy: int) -> list[Datum]:
    return [_point("AWS/Lambda", "ConcurrentExecutions", "Count", {"FunctionName": function}, busy)]


def queue_depth(queue_name: str, visible: int, in_flight: int) -> list[Datum]:
    dimensions = {"QueueName": queue_name}
    return [
        _point("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Count", dimensions, visible),
        _point("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "Count", dimensions, in_flight),
    ]
