"""Settles queued orders against sharded Postgres inventory; reports only failed records for retry."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from flashdeal.adapters.postgres import get_connection
from flashdeal.observability import logger, metrics, tracer
from flashdeal.settings import OrderWorkerSettings
from flashdeal.settling import Published, publish_sold_counts, settle_and_publish

settings = OrderWorkerSettings()
# Report every failed record, even when all fail, rather than failing the invocation.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@tracer.capture_method
def handle_order_record(record: SQSRecord) -> Published:
    return settle_and_publish(record.body, get_connection(settings), settings.sales_table)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with processor(records=event["Records"], handler=handle_order_record, lambda_context=context):
        outcomes = processor.process()
    publish_sold_counts([result for status, result, _ in outcomes if status == "success"], settings.sales_table)
    return processor.response()
