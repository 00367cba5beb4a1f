"""What the worker does: settle each queued order exactly once against Postgres, then publish it."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import psycopg
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from flashdeal.adapters import inventory
from flashdeal.adapters.order_status import record_settlement
from flashdeal.adapters.postgres import database_errors
from flashdeal.adapters.sale_state import add_sold, mark_sold_out
from flashdeal.errors import (
    InvalidOrderMessageError,
    OrderAlreadySettledError,
    PurchaseLimitReachedError,
    SoldOutError,
    StoreUnavailableError,
)
from flashdeal.observability import count_rejection, logger, metrics
from flashdeal.orders import OrderMessage, OrderStatus, Settlement


@dataclass(frozen=True)
class Published:
    settlement: Settlement
    first_time: bool  # this delivery moved the order out of PENDING in DynamoDB


def parse_order_message(body: str) -> OrderMessage:
    try:
        return OrderMessage.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidOrderMessageError(f"malformed order message: {exc.error_count()} error(s)") from exc


def settle_order(conn: psycopg.Connection, message: OrderMessage, now: datetime | None = None) -> Settlement:
    """Settles one order in one transaction. A redelivery returns the first outcome, unchanged."""
    now = now or datetime.now(UTC)
    with database_errors():
        try:
            return _settle_once(conn, message, now)
        except OrderAlreadySettledError:
            with conn.transaction():
                settled = inventory.find_settlement(conn, message.order_id)
            assert settled is not None, "a unique violation implies a committed order"
            return settled


def _settle_once(conn: psycopg.Connection, message: OrderMessage, now: datetime) -> Settlement:
    with conn.transaction():
        settled = inventory.find_settlement(conn, message.order_id)
        if settled is not None:
            return settled
        shard_count, limit = inventory.get_sale_rules(conn, message.sale_id)
        status, reason, sold_out = OrderStatus.CONFIRMED, None, False
        try:
            with conn.transaction():  # savepoint: a rejection undoes partial takes
                inventory.reserve_purchase(conn, message, limit)
                sold_out = inventory.take_stock(conn, message.sale_id, shard_count, message.quantity)
        except SoldOutError as rejection:
            status, reason, sold_out = OrderStatus.REJECTED, rejection.code, rejection.exhausted
        except PurchaseLimitReachedError as rejection:
            status, reason = OrderStatus.REJECTED, rejection.code
        inventory.insert_order(conn, message, status, reason, now)
    return Settlement(
        order_id=message.order_id,
        sale_id=message.sale_id,
        user_id=message.user_id,
        quantity=message.quantity,
        status=status,
        reason=reason,
        sold_out=sold_out,
        settled_at=now,
    )


def settle_and_publish(body: str, conn: psycopg.Connection, sales_table: str) -> Published:
    """One SQS record: settle in Postgres, then write the final status to DynamoDB idempotently."""
    settlement = settle_order(conn, parse_order_message(body))
    first_time = record_settlement(sales_table, settlement)
    if settlement.sold_out:
        mark_sold_out(sales_table, settlement.sale_id)
        metrics.add_metric(name="SoldOut", unit=MetricUnit.Count, value=1)
    if first_time and settlement.status is OrderStatus.CONFIRMED:
        metrics.add_metric(name="OrdersConfirmed", unit=MetricUnit.Count, value=1)
    elif first_time and settlement.reason:
        count_rejection(settlement.reason)
    logger.debug(
        "order settled",
        order_id=str(settlement.order_id),
        status=settlement.status.value,
        replayed=settlement.replayed,
    )
    return Published(settlement, first_time)


def publish_sold_counts(published: list[Published], sales_table: str) -> None:
    """Once per batch: bump each sale's sold counter by the units confirmed for the first time."""
    sold: Counter[UUID] = Counter()
    for item in published:
        if item.first_time and item.settlement.status is OrderStatus.CONFIRMED:
            sold[item.settlement.sale_id] += item.settlement.quantity
    for sale_id, units in sold.items():
        try:
            add_sold(sales_table, sale_id, units)
        except StoreUnavailableError:  # the counter is advisory; the orders are settled and published
            logger.exception("could not update the sold counter", sale_id=str(sale_id), units=units)
