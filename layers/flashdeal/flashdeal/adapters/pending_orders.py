"""Orders still PENDING in DynamoDB after a while: what the reconciler looks at.

A Scan, filtered: the table holds sales, orders and counters, and orders expire after 30 days (TTL), so
the scan is bounded. Only the reconciler's role may Scan (see tests/unit/test_iam.py).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from flashdeal.adapters.aws import AwsError, aws_client
from flashdeal.adapters.dynamo_items import from_item
from flashdeal.errors import StoreUnavailableError
from flashdeal.orders import OrderStatus


@dataclass(frozen=True)
class PendingOrder:
    order_id: UUID
    sale_id: UUID
    user_id: str
    quantity: int
    since: datetime


def find_pending_orders(table: str, accepted_before: datetime, client: Any = None) -> list[PendingOrder]:
    dynamodb = client or aws_client("dynamodb")
    request: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "begins_with(pk, :order) AND #status = :pending AND updated_at < :before",
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
            found += [_pending(from_item(item)) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    except AwsError as exc:
        raise StoreUnavailableError("could not scan for pending orders") from exc


def _pending(data: dict[str, Any]) -> PendingOrder:
    return PendingOrder(
        order_id=UUID(data["order_id"]),
        sale_id=UUID(data["sale_id"]),
        user_id=data["user_id"],
        quantity=int(data["quantity"]),
        since=datetime.fromisoformat(data["updated_at"]),
    )
