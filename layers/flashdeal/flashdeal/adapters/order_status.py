"""Order status and per-buyer purchase counters in DynamoDB, the API's view of orders."""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from flashdeal.adapters.aws import AwsError, aws_client, conditional_write
from flashdeal.adapters.dynamo_items import from_item, to_item
from flashdeal.adapters.purchase_quota import counted_before, give_back, purchase_key
from flashdeal.adapters.unit_claims import claim_units, release_units
from flashdeal.errors import FlashDealError, OrderNotFoundError, PurchaseLimitReachedError, StoreUnavailableError
from flashdeal.orders import OrderMessage, OrderStatus, OrderView, Settlement

RETENTION = timedelta(days=30)


def order_key(order_id: UUID) -> dict[str, Any]:
    return {"pk": {"S": f"ORDER#{order_id}"}}


def _expires_at(now: datetime) -> str:
    return str(int((now + RETENTION).timestamp()))


def register_order(
    table: str, message: OrderMessage, per_user_limit: int, claim: bool = False, client: Any = None
) -> bool:
    """Counts the order against the buyer's limit, claims its units (``claim``: the sale sheds its
    backlog), then writes it PENDING.

    The buyer's counter item remembers which orders it counted, so the conditional update is
    idempotent: it returns False when this order was counted before (a retry after a crash between
    queueing and answering). Two single-item writes instead of a transaction: a transaction on the
    hot path costs more, and moto copies the whole table for each one.
    """
    dynamodb = client or aws_client("dynamodb")
    expires = {"N": _expires_at(message.accepted_at)}
    order_set = {"SS": [str(message.order_id)]}
    counted = conditional_write(
        dynamodb.update_item,
        "could not register the order",
        TableName=table,
        Key=purchase_key(message.sale_id, message.user_id),
        UpdateExpression="ADD requested :q, order_ids :order SET expires_at = :e",
        ConditionExpression="(attribute_not_exists(requested) OR requested <= :most)"
        " AND NOT contains(order_ids, :order_id)",
        ExpressionAttributeValues={
            ":q": {"N": str(message.quantity)},
            ":order": order_set,
            ":order_id": {"S": str(message.order_id)},
            ":most": {"N": str(per_user_limit - message.quantity)},
            ":e": expires,
        },
    )
    created = counted is not None
    if not created and not counted_before(dynamodb, table, message.sale_id, message.user_id, message.order_id):
        raise PurchaseLimitReachedError("this buyer has reached the sale's purchase limit")
    if created and claim:
        try:
            claim_units(table, message.sale_id, message.quantity, dynamodb)
        except FlashDealError:  # fully claimed, or the sale's item throttled: the buyer's count goes back,
            # so a retry with the same key counts and claims afresh instead of skipping the claim
            give_back(table, message.sale_id, message.user_id, message.order_id, message.quantity, dynamodb)
            raise
    order = {
        **message.model_dump(mode="json", exclude={"accepted_at", "idempotency_key"}),
        "status": OrderStatus.PENDING.value,
        "updated_at": message.accepted_at.isoformat(),
    }
    conditional_write(  # the condition fails when a retry finds the order written: keep it
        dynamodb.put_item,
        "could not register the order",
        TableName=table,
        Item=to_item(order) | order_key(message.order_id) | {"expires_at": expires},
        ConditionExpression="attribute_not_exists(pk)",
    )
    return created


def unregister_order(table: str, message: OrderMessage, client: Any = None) -> None:
    """Undoes ``register_order`` when the order could not be queued."""
    dynamodb = client or aws_client("dynamodb")
    try:
        dynamodb.delete_item(TableName=table, Key=order_key(message.order_id))
    except AwsError as exc:
        raise StoreUnavailableError("could not withdraw the order") from exc
    release_units(table, message.sale_id, message.quantity, dynamodb)
    give_back(table, message.sale_id, message.user_id, message.order_id, message.quantity, dynamodb)


def order_exists(table: str, order_id: UUID, client: Any = None) -> bool:
    try:
        answer = (client or aws_client("dynamodb")).get_item(
            TableName=table, Key=order_key(order_id), ProjectionExpression="pk"
        )
    except AwsError as exc:
        raise StoreUnavailableError("could not read the order") from exc
    return "Item" in answer


def get_order_view(table: str, order_id: UUID, user_id: str, client: Any = None) -> OrderView:
    """The buyer's own order; another buyer's order is reported as not found."""
    try:
        answer = (client or aws_client("dynamodb")).get_item(TableName=table, Key=order_key(order_id))
    except AwsError as exc:
        raise StoreUnavailableError("could not read the order") from exc
    data = from_item(answer.get("Item", {}))
    if not data or data.get("user_id") != user_id:
        raise OrderNotFoundError(f"order {order_id} does not exist")
    return OrderView.model_validate(data)


def record_settlement(table: str, settlement: Settlement, client: Any = None) -> bool:
    """Writes the final status once; returns True only for the write that moved it out of PENDING."""
    values = to_item(
        {
            ":order": str(settlement.order_id),
            ":status": settlement.status.value,
            ":pending": OrderStatus.PENDING.value,
            ":sale": str(settlement.sale_id),
            ":user": settlement.user_id,
            ":qty": settlement.quantity,
            ":at": settlement.settled_at.isoformat(),
            ":exp": int(_expires_at(settlement.settled_at)),
        }
    )
    reason = ", #reason = :reason" if settlement.reason else " REMOVE #reason"
    if settlement.reason:
        values[":reason"] = {"S": settlement.reason}
    answer = conditional_write(
        (client or aws_client("dynamodb")).update_item,
        "could not record the settlement",
        TableName=table,
        Key=order_key(settlement.order_id),
        UpdateExpression=(
            "SET #status = :status, order_id = :order, sale_id = :sale, user_id = :user,"
            f" quantity = :qty, updated_at = :at, expires_at = :exp{reason}"
        ),
        ConditionExpression="attribute_not_exists(#status) OR #status IN (:pending, :status)",
        ExpressionAttributeNames={"#status": "status", "#reason": "reason"},
        ExpressionAttributeValues=values,
        ReturnValues="ALL_OLD",
    )
    if answer is None:
        return False
    old_status = answer.get("Attributes", {}).get("status", {}).get("S")
    return old_status != settlement.status.value
