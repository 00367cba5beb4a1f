"""Settling one order in one transaction and one round trip, with the sale's per-order strategy."""

from datetime import datetime

import psycopg
from pydantic import ValidationError

from flashdeal.adapters import order_ledger
from flashdeal.adapters.one_call_settlement import settle_in_one_call
from flashdeal.adapters.postgres import transaction
from flashdeal.errors import FlashDealError, InvalidOrderMessageError, OrderAlreadySettledError
from flashdeal.orders import OrderMessage, Settlement
from flashdeal.sales import SaleRules

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
    # One round trip, each strategy's own locks (adapters/one_call_settlement.py). The batched strategy
    # settles one order like the sharded one when a batch cannot go through whole.
    return settle_in_one_call(conn, message, rules, now)


def replay(settlement: Settlement) -> Settlement:
    """The same outcome, for another delivery of an order already settled."""
    return settlement.model_copy(update={"replayed": True, "sold_out": False})
