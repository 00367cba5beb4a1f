"""Logger, tracer and metrics, shared by handlers and domain code alike."""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

logger = Logger()
tracer = Tracer()
metrics = Metrics()


def count_rejection(reason: str) -> None:
    """OrdersRejected, with the reason as its own dimension."""
    with single_metric(name="OrdersRejected", unit=MetricUnit.Count, value=1, namespace=metrics.namespace) as metric:
        metric.add_dimension(name="reason", value=reason)
