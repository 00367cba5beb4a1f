"""Settling one order in one transaction, with the sale's single-order strategy."""

from datetime import datetime

import psycopg
from pydantic import ValidationError

from flashdeal.adapters import order_ledger
from flashdeal.adapters.one_call_settlement import settle_sharded
from flashdeal.adapters.postgres import transaction
from flashdeal.adapters.stock import TAKE_STOCK
from flashdeal.errors import (
    FlashDealError,
    InvalidOrderMessageError,
    OrderAlreadySettledError,
    PurchaseLimitReachedError,
    SaleNotActiveError,
    SoldOutError,
)
from flashdeal.orders import OrderMessage, OrderStatus, Settlement
from flashdeal.sales import SaleRules, Strategy

type Outcome = Settlement | FlashDealError  # what settling one record gave: its settlement, or why it failed


def parse_order_message(body: str) -> OrderMessage:
    try:
        return OrderMessage.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidOrderMessageError(f"malformed order message: {exc.error_count()} error(s)") from exc


def settle_order(conn: psycopg.Connection, message: OrderMessage, rules: SaleRules, now: datetime) -> Settlement:
    """Settles one order in one transaction. A redelivery returns the first outcome, unchanged."""
    try:
        return _settle_once(conn, message, rules, now)
    except OrderAlreadySettledError:
        with transaction(conn):
            settled = order_ledger.find_settlement(conn, message.order_id)
        if settled is None:  # the API derives the id from this triple, so only a forged message gets here
            raise InvalidOrderMessageError("another order holds this buyer's key for this sale") from None
        return settled


def settle_order_or_error(conn: psycopg.Connection, message: OrderMessage, rules: SaleRules, now: datetime) -> Outcome:
    try:
        return settle_order(conn, message, rules, now)
    except FlashDealError as exc:
        return exc


def _settle_once(conn: psycopg.Connection, message: OrderMessage, rules: SaleRules, now: datetime) -> Settlement:
    # The batched strategy settles one order like the sharded one when a batch cannot go through whole.
    if rules.strategy in (Strategy.SHARDED, Strategy.BATCHED):
        return settle_sharded(conn, message, rules, now)  # one round trip, the same steps and locks
    take_stock = TAKE_STOCK[rules.strategy]
    with transaction(conn):
        settled = order_ledger.find_settlement(conn, message.order_id)
        if settled is not None:
            return settled
        status, reason, sold_out = OrderStatus.CONFIRMED, None, False
        try:
            with conn.transaction():  # savepoint: a rejection undoes partial takes
                if not rules.open_at(message.accepted_at):
                    raise SaleNotActiveError("accepted outside the sale's window")
                order_ledger.reserve_purchase(conn, message, rules.per_user_limit)
                sold_out = take_stock(conn, message.sale_id, rules, message.quantity)
        except SoldOutError as rejection:
            status, reason, sold_out = OrderStatus.REJECTED, rejection.code, rejection.exhausted
        except (PurchaseLimitReachedError, SaleNotActiveError) as rejection:
            status, reason = OrderStatus.REJECTED, rejection.code
        order_ledger.insert_order(conn, message, status, reason, now)
    return new_settlement(message, status, reason, now, sold_out=sold_out)


def new_settlement(
    message: OrderMessage, status: OrderStatus, reason: str | None, now: datetime, sold_out: bool = False
) -> Settlement:
    return Settlement(
        order_id=message.order_id,
        sale_id=message.sale_id,
        user_id=message.user_id,
        quantity=message.quantity,
        status=status,
        reason=reason,
        sold_out=sold_out,
        settled_at=now,
        accepted_at=message.accepted_at,
    )


def replay(settlement: Settlement) -> Settlement:
    """The same outcome, for another delivery of an order already settled."""
    return settlement.model_copy(update={"replayed": True, "sold_out": False})
