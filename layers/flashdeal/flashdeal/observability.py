"""Logger and metrics, shared by handlers and domain code alike (the X-Ray tracer is flashdeal.tracing)."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

logger = Logger()
metrics = Metrics()


def count_rejection(reason: str) -> None:
    """OrdersRejected, with the reason as its own dimension."""
    count_by_reason("OrdersRejected", reason)


def count_settle_failure(reason: str) -> None:
    """SettleFailures: a record SQS must deliver again (lock timeout, lost races, Postgres down), by reason."""
    count_by_reason("SettleFailures", reason)


def count_by_reason(name: str, reason: str) -> None:
    """One count of ``name`` with a ``reason`` dimension: an error code, never an id (low cardinality)."""
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=metrics.namespace) as metric:
        metric.add_dimension(name="reason", value=reason)
