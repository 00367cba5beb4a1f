"""Order messages put straight on a queue of the embedded stack, as the API would have queued them.

For the runs that need the settle side without the API in front: the phase-2 lab's burst, the chaos
runner's duplicate deliveries, the Lambda-semantics tests.
"""

from datetime import UTC, datetime
from uuid import UUID

from flashdeal.orders import PlaceOrder, order_message
from flashlab.moto import local_client
from flashlab.stack_process import RunningStack


def order_body(sale_id: str, user_id: str, key: str, accepted_at: datetime | None = None) -> str:
    """The message body the API would queue for one unit (accepted now unless said otherwise)."""
    place = PlaceOrder(sale_id=UUID(sale_id), user_id=user_id, idempotency_key=key, quantity=1)
    return order_message(place, accepted_at or datetime.now(UTC)).model_dump_json()


def send_bodies(stack: RunningStack, bodies: list[str], queue: str = "OrdersQueue") -> None:
    """``bodies`` onto ``queue``, ten to a SendMessageBatch."""
    sqs = local_client("sqs", stack.sqs_url)
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    for start in range(0, len(bodies), 10):
        chunk = bodies[start : start + 10]
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(chunk)])
