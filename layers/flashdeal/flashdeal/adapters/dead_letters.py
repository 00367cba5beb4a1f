"""The orders dead-letter queue: look at what is in it, and move it back once the cause is fixed."""

from typing import Any
from uuid import UUID

from pydantic import ValidationError

from flashdeal.adapters.aws import AwsError, aws_client
from flashdeal.errors import StoreUnavailableError
from flashdeal.orders import OrderMessage

PEEK_SECONDS = 30  # how long a peeked message stays hidden if this process dies before putting it back


def peek_order_messages(dlq_url: str, client: Any = None) -> dict[UUID, OrderMessage]:
    """Every parseable order in the DLQ, by order id. The messages stay there, visible again at once."""
    sqs = client or aws_client("sqs")
    found: dict[UUID, OrderMessage] = {}
    handles = []
    try:
        while batch := sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=PEEK_SECONDS, WaitTimeSeconds=0
        ).get("Messages", []):
            handles += [m["ReceiptHandle"] for m in batch]
            for m in batch:
                try:
                    order = OrderMessage.model_validate_json(m["Body"])
                except ValidationError:
                    continue  # a poison message: it stays for a human, see docs/runbook.md
                found[order.order_id] = order
        for start in range(0, len(handles), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0}
                for i, h in enumerate(handles[start : start + 10])
            ]
            sqs.change_message_visibility_batch(QueueUrl=dlq_url, Entries=entries)
    except AwsError as exc:
        raise StoreUnavailableError("could not read the dead-letter queue") from exc
    return found


def move_back(dlq_url: str, queue_url: str, client: Any = None) -> int:
    """Sends every dead-lettered message back to the orders queue, then deletes it; returns how many moved.

    A crash between the send and the delete leaves a duplicate, which the worker settles once anyway."""
    sqs = client or aws_client("sqs")
    moved = 0
    while batch := sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=60).get(
        "Messages", []
    ):
        sqs.send_message_batch(
            QueueUrl=queue_url, Entries=[{"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(batch)]
        )
        sqs.delete_message_batch(
            QueueUrl=dlq_url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
        )
        moved += len(batch)
    return moved
