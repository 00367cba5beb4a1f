"""Settles a batch of queued orders in Postgres, then publishes each outcome; only failed records are retried."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from flashdeal.adapters.postgres import get_connection
from flashdeal.observability import logger, metrics, tracer
from flashdeal.order_batches import settle_batch
from flashdeal.publishing import Published, publish_outcome, publish_sold_counts
from flashdeal.settings import OrderWorkerSettings
from flashdeal.settling import Outcome

settings = OrderWorkerSettings()
# Report every failed record, even when all fail, rather than failing the invocation.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@tracer.capture_method
def handle_order_batch(records: list[dict[str, Any]]) -> dict[str, Outcome]:
    return settle_batch({r["messageId"]: r["body"] for r in records}, get_connection(settings))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcomes = handle_order_batch(event["Records"])

    def handle_order_record(record: SQSRecord) -> Published:
        return publish_outcome(outcomes[record.message_id], settings.sales_table)

    with processor(records=event["Records"], handler=handle_order_record, lambda_context=context):
        results = processor.process()
    publish_sold_counts([result for status, result, _ in results if status == "success"], settings.sales_table)
    return processor.response()
