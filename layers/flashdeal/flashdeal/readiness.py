"""Readiness: can this API function reach what it needs to accept an order (DynamoDB and SQS)?

``GET /health`` says the function runs (liveness); ``GET /health/ready`` asks each dependency once, with
a short timeout, and names the ones that did not answer.
"""

from flashdeal.adapters.aws import AwsError, aws_probe_client
from flashdeal.adapters.sale_state import sale_key
from flashdeal.observability import logger
from flashdeal.settings import OrderApiSettings

OK, UNAVAILABLE = "ok", "unavailable"


def check_dependencies(settings: OrderApiSettings) -> dict[str, str]:
    """Each dependency's state, ``ok`` or ``unavailable``."""
    checks = {
        "dynamodb": lambda: aws_probe_client("dynamodb").get_item(
            TableName=settings.sales_table, Key=sale_key("readiness-probe"), ProjectionExpression="pk"
        ),
        "sqs": lambda: aws_probe_client("sqs").get_queue_attributes(
            QueueUrl=settings.orders_queue_url, AttributeNames=["QueueArn"]
        ),
    }
    states = {}
    for name, probe in checks.items():
        try:
            probe()
            states[name] = OK
        except AwsError as exc:
            logger.warning("dependency unavailable", dependency=name, cause=repr(exc))
            states[name] = UNAVAILABLE
    return states
