"""Runs on a schedule (and by `make reconcile`): settles stale PENDING orders and checks the stock."""

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from flashdeal.adapters.postgres import get_connection
from flashdeal.observability import logger, metrics
from flashdeal.reconciling import reconcile
from flashdeal.settings import ReconcilerSettings
from flashdeal.tracing import tracer

settings = ReconcilerSettings()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = reconcile(
        get_connection(settings),
        settings.sales_table,
        settings.orders_dlq_url,
        timedelta(seconds=settings.pending_after_seconds),
        datetime.now(UTC),
    )
    return report.as_dict()
