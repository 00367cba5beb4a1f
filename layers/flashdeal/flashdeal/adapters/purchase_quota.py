"""Per-buyer purchase counters in DynamoDB: what the API counts against ``per_user_limit``.

The counter item remembers which orders it counted (``order_ids``), so counting and giving back are both
idempotent: an order is counted at most once and given back at most once, however often it is retried.
"""

from typing import Any
from uuid import UUID

from flashdeal.adapters.aws import AwsError, aws_client, conditional_write
from flashdeal.errors import StoreUnavailableError


def purchase_key(sale_id: UUID, user_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"PURCHASE#{sale_id}#{user_id}"}}


def counted_before(dynamodb: Any, table: str, sale_id: UUID, user_id: str, order_id: UUID) -> bool:
    try:
        answer = dynamodb.get_item(TableName=table, Key=purchase_key(sale_id, user_id), ConsistentRead=True)
    except AwsError as exc:
        raise StoreUnavailableError("could not read the buyer's counter") from exc
    return str(order_id) in answer.get("Item", {}).get("order_ids", {}).get("SS", [])


def give_back(table: str, sale_id: UUID, user_id: str, order_id: UUID, quantity: int, client: Any = None) -> bool:
    """Returns an order's units to its buyer's counter. True only for the call that gave them back
    (False: given back before, or never counted)."""
    answer = conditional_write(
        (client or aws_client("dynamodb")).update_item,
        "could not give the buyer's units back",
        TableName=table,
        Key=purchase_key(sale_id, user_id),
        UpdateExpression="ADD requested :minus DELETE order_ids :order",
        ConditionExpression="contains(order_ids, :order_id)",
        ExpressionAttributeValues={
            ":minus": {"N": str(-quantity)},
            ":order": {"SS": [str(order_id)]},
            ":order_id": {"S": str(order_id)},
        },
    )
    return answer is not None
