"""Settling a sale's orders one by one, each in its own transaction, with the sale's per-order strategy.

A batch's orders for one sale go to Postgres in one round trip (adapters/one_call_settlement.py); each
commits before the next starts. The batched strategy settles orders here too when a batch cannot go
through whole.
"""

from collections.abc import Mapping
from datetime import datetime

import psycopg
from pydantic import ValidationError

from flashdeal.adapters import order_ledger
from flashdeal.adapters.one_call_settlement import settle_one_by_one
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


def settle_orders(
    conn: psycopg.Connection, messages: Mapping[str, OrderMessage], rules: SaleRules, now: datetime
) -> dict[str, Outcome]:
    """Outcomes by SQS message id, for orders of one sale. A redelivery returns the first outcome, unchanged."""
    settled = settle_one_by_one(conn, list(messages.values()), rules, now)
    return {
        message_id: _first_settlement(conn, message) if isinstance(outcome, OrderAlreadySettledError) else outcome
        for (message_id, message), outcome in zip(messages.items(), settled, strict=True)
    }


def _first_settlement(conn: psycopg.Connection, message: OrderMessage) -> Outcome:
    """A concurrent delivery of this order committed first: its settlement is the outcome."""
    try:
        with transaction(conn):
            settled = order_ledger.find_settlement(conn, message.order_id)
    except FlashDealError as exc:
        return exc
    if settled is None:  # the API derives the id from this triple, so only a forged message gets here
        return InvalidOrderMessageError("another order holds this buyer's key for this sale")
    return settled


def replay(settlement: Settlement) -> Settlement:
    """The same outcome, for another delivery of an order already settled."""
    return settlement.model_copy(update={"replayed": True, "sold_out": False})
