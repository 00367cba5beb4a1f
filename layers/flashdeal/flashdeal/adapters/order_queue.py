"""The orders queue: the API's only way to hand work to the worker."""

from typing import Any

from flashdeal.adapters.aws import AwsError, aws_client
from flashdeal.errors import OrderNotAcceptedError
from flashdeal.orders import OrderMessage


def send_order(queue_url: str, message: OrderMessage, client: Any = None) -> None:
    try:
        (client or aws_client("sqs")).send_message(QueueUrl=queue_url, MessageBody=message.model_dump_json())
    except AwsError as exc:
        raise OrderNotAcceptedError("the order could not be queued; retry with the same Idempotency-Key") from exc
