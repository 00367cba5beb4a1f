"""Per-buyer request counters in DynamoDB: one item per buyer and clock minute, expired by TTL.

A conditional ADD, so every API environment counts against the same number: the limit holds however
many environments a buyer's requests land on.
"""

from typing import Any

from flashdeal.adapters.aws import aws_client, conditional_write

WINDOW_S = 60


def count_request(table: str, user_id: str, window: int, limit: int, client: Any = None) -> bool:
    """Counts one request in ``window`` (epoch seconds // 60); False once ``limit`` were counted there."""
    answer = conditional_write(
        (client or aws_client("dynamodb")).update_item,
        "could not count the buyer's request",
        TableName=table,
        Key={"pk": {"S": f"REQUESTS#{user_id}#{window}"}},
        UpdateExpression="ADD requests :one SET expires_at = :expires",
        ConditionExpression="attribute_not_exists(requests) OR requests < :limit",
        ExpressionAttributeValues={
            ":one": {"N": "1"},
            ":limit": {"N": str(limit)},
            ":expires": {"N": str((window + 2) * WINDOW_S)},
        },
    )
    return answer is not None
