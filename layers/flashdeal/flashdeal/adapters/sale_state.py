"""Sale state in DynamoDB: the rules, the sold-out flag and the sold counter the API reads."""

from typing import Any
from uuid import UUID

from flashdeal.adapters.aws import AwsError, aws_client
from flashdeal.adapters.dynamo_items import from_item, to_item
from flashdeal.errors import SaleNotFoundError, StoreUnavailableError
from flashdeal.sales import Sale


def sale_key(sale_id: UUID | str) -> dict[str, Any]:
    return {"pk": {"S": f"SALE#{sale_id}"}}


def put_sale(table: str, sale: Sale, client: Any = None) -> None:
    """The sale's state; with backlog shedding, ``unclaimed`` starts at the units it admits (unit_claims.py)."""
    state = {**sale.model_dump(mode="json"), "sold": 0, "sold_out": False, "unclaimed": sale.admitted_units}
    item = to_item(state) | sale_key(sale.sale_id)
    try:
        (client or aws_client("dynamodb")).put_item(TableName=table, Item=item)
    except AwsError as exc:
        raise StoreUnavailableError("could not store the sale state") from exc


def get_sale_state(table: str, sale_id: UUID, client: Any = None) -> tuple[Sale, int, bool]:
    """The sale, units sold so far (eventually consistent) and the sold-out flag."""
    try:
        answer = (client or aws_client("dynamodb")).get_item(TableName=table, Key=sale_key(sale_id))
    except AwsError as exc:
        raise StoreUnavailableError("could not read the sale state") from exc
    if "Item" not in answer:
        raise SaleNotFoundError(f"sale {sale_id} does not exist")
    data = from_item(answer["Item"])
    return Sale.model_validate(data), int(data.get("sold", 0)), bool(data.get("sold_out", False))


def add_sold(table: str, sale_id: UUID, units: int, client: Any = None) -> None:
    _update_sale(table, sale_id, "ADD sold :v", {"N": str(units)}, client)


def mark_sold_out(table: str, sale_id: UUID, client: Any = None) -> None:
    _update_sale(table, sale_id, "SET sold_out = :v", {"BOOL": True}, client)


def _update_sale(table: str, sale_id: UUID, expression: str, value: dict[str, Any], client: Any) -> None:
    try:
        (client or aws_client("dynamodb")).update_item(
            TableName=table,
            Key=sale_key(sale_id),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":v": value},
        )
    except AwsError as exc:
        raise StoreUnavailableError(f"could not update sale {sale_id}") from exc
