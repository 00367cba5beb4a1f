"""Backlog shedding's counter: the units of a sale not yet claimed by an accepted order.

``unclaimed`` on the sale's item starts at the units the sale admits (its inventory plus a margin). The
API claims an order's units before queueing it, so it never queues an order that cannot succeed while
the orders ahead of it do; an order that ends REJECTED gives its units back. A sale created without
backlog shedding has no counter: claiming and releasing do nothing.

It is one item per sale, written once per accepted order: DynamoDB serves about 1,000 writes/s on one
item, more than the default POST throttle lets through per sale. Beyond that it would need sharding.
"""

from typing import Any
from uuid import UUID

from flashdeal.adapters.aws import aws_client, conditional_write
from flashdeal.adapters.sale_state import sale_key
from flashdeal.errors import SaleFullyClaimedError


def claim_units(table: str, sale_id: UUID, quantity: int, client: Any = None) -> None:
    """Takes ``quantity`` unclaimed units, or raises SaleFullyClaimedError if fewer are left."""
    wanted = {":wanted": {"N": str(quantity)}}
    if _add_unclaimed(table, sale_id, -quantity, "unclaimed >= :wanted", wanted, "could not claim the units", client):
        return
    raise SaleFullyClaimedError(
        "every unit of this sale is claimed by orders still settling; units come back if some fail"
    )


def release_units(table: str, sale_id: UUID, quantity: int, client: Any = None) -> None:
    """Gives ``quantity`` units back to the sale's unclaimed counter; nothing for a sale without one."""
    _add_unclaimed(table, sale_id, quantity, "attribute_exists(unclaimed)", {}, "could not release the units", client)


def _add_unclaimed(
    table: str, sale_id: UUID, units: int, condition: str, values: dict[str, Any], failure: str, client: Any
) -> bool:
    """True if the counter moved by ``units``; False if ``condition`` did not hold."""
    answer = conditional_write(
        (client or aws_client("dynamodb")).update_item,
        failure,
        TableName=table,
        Key=sale_key(sale_id),
        UpdateExpression="ADD unclaimed :units",
        ConditionExpression=condition,
        ExpressionAttributeValues={":units": {"N": str(units)}} | values,
    )
    return answer is not None
