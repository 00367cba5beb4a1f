"""Orders still PENDING in DynamoDB after a while: what the reconciler looks at.

A Scan, filtered: the table holds sales, orders and counters, and orders expire after 30 days (TTL), so
the scan is bounded. Only the reconciler's role may Scan (see tests/unit/test_iam.py).
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from flashdeal.adapters.aws import AwsError, aws_client
from flashdeal.errors import StoreUnavailableError
from flashdeal.orders import OrderStatus


def find_pending_orders(table: str, accepted_before: datetime, client: Any = None) -> list[UUID]:
    """The ids of orders still PENDING that were accepted before ``accepted_before``."""
    dynamodb = client or aws_client("dynamodb")
    request: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "begins_with(pk, :order) AND #status = :pending AND updated_at < :before",
        "ProjectionExpression": "order_id",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {
            ":order": {"S": "ORDER#"},
            ":pending": {"S": OrderStatus.PENDING.value},
            ":before": {"S": accepted_before.isoformat()},
        },
    }
    found = []
    try:
        while True:
            page = dynamodb.scan(**request)
            found += [UUID(item["order_id"]["S"]) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    except AwsError as exc:
        raise StoreUnavailableError("could not scan for pending orders") from exc
