"""The batched strategy: every order a batch holds for one sale, settled in one transaction.

Stock is taken once for the whole demand, handed out first come first served, and the orders are
COPYed in together. Each order still gets its own outcome, and a redelivery changes nothing.
"""

from collections import Counter
from datetime import datetime
from uuid import UUID

import psycopg

from flashdeal.adapters import bulk_stock, inventory
from flashdeal.adapters.postgres import database_errors
from flashdeal.errors import FlashDealError, OrderAlreadySettledError, PurchaseLimitReachedError, SoldOutError
from flashdeal.orders import OrderMessage, OrderStatus, Settlement
from flashdeal.sales import SaleRules
from flashdeal.settling import new_settlement, replay, settle_order

BATCH_ATTEMPTS = 3
type Outcome = Settlement | FlashDealError


def split_by_limit(orders: list[OrderMessage], limit: int) -> tuple[list[OrderMessage], list[OrderMessage]]:
    """(orders that fit each buyer's limit within this batch, orders that do not), in arrival order."""
    units: Counter[str] = Counter()
    fits, over = [], []
    for order in orders:
        if units[order.user_id] + order.quantity <= limit:
            units[order.user_id] += order.quantity
            fits.append(order)
        else:
            over.append(order)
    return fits, over


def allocate(orders: list[OrderMessage], units: int) -> tuple[list[OrderMessage], list[OrderMessage]]:
    """(orders the units cover, first come first served; orders left short). Orders are never split."""
    covered, short = [], []
    for order in orders:
        if order.quantity <= units:
            units -= order.quantity
            covered.append(order)
        else:
            short.append(order)
    return covered, short


def settle_together(
    conn: psycopg.Connection, messages: dict[str, OrderMessage], rules: SaleRules, now: datetime
) -> dict[str, Outcome]:
    """Outcomes by SQS message id. Falls back to one order at a time if the batch keeps colliding."""
    for _ in range(BATCH_ATTEMPTS):
        try:
            with database_errors():
                settlements = _settle_once(conn, list(messages.values()), rules, now)
        except OrderAlreadySettledError:  # another delivery of one of these orders committed first
            continue
        except FlashDealError as exc:
            return dict.fromkeys(messages, exc)
        seen: set[UUID] = set()
        outcomes: dict[str, Outcome] = {}
        for message_id, message in messages.items():
            settled = settlements[message.order_id]
            outcomes[message_id] = replay(settled) if message.order_id in seen else settled
            seen.add(message.order_id)
        return outcomes
    return {message_id: _settle_alone(conn, message, rules, now) for message_id, message in messages.items()}


def _settle_alone(conn: psycopg.Connection, message: OrderMessage, rules: SaleRules, now: datetime) -> Outcome:
    try:
        return settle_order(conn, message, rules, now)
    except FlashDealError as exc:
        return exc


def _settle_once(
    conn: psycopg.Connection, messages: list[OrderMessage], rules: SaleRules, now: datetime
) -> dict[UUID, Settlement]:
    sale_id = messages[0].sale_id
    with conn.transaction():
        firsts = {m.order_id: m for m in reversed(messages)}  # one per order, the first delivery wins
        settled = inventory.find_settlements(conn, list(firsts))
        new = [m for m in messages if m.order_id not in settled and firsts[m.order_id] is m]
        if not new:
            return settled
        fits, over = split_by_limit(new, rules.per_user_limit)
        taken, left = bulk_stock.take_units(conn, sale_id, sum(m.quantity for m in fits)) if fits else ({}, -1)
        covered, short = allocate(fits, sum(taken.values()))
        confirmed, refused = _reserve(conn, sale_id, rules.per_user_limit, covered)
        freed = sum(taken.values()) - sum(m.quantity for m in confirmed)
        if freed:
            bulk_stock.return_units(conn, sale_id, taken, freed)
        decided = (
            [(m, OrderStatus.CONFIRMED, None) for m in confirmed]
            + [(m, OrderStatus.REJECTED, SoldOutError.code) for m in short]
            + [(m, OrderStatus.REJECTED, PurchaseLimitReachedError.code) for m in over + refused]
        )
        bulk_stock.insert_orders(conn, decided, now)
    exhausted = left + freed == 0
    for i, (message, status, reason) in enumerate(decided):
        settled[message.order_id] = new_settlement(message, status, reason, now, sold_out=exhausted and i == 0)
    return settled


def _reserve(
    conn: psycopg.Connection, sale_id: UUID, limit: int, orders: list[OrderMessage]
) -> tuple[list[OrderMessage], list[OrderMessage]]:
    """(orders within each buyer's limit, orders refused). Buyers refused as a group are retried one by one."""
    if not orders:
        return [], []
    units: Counter[str] = Counter()
    for order in orders:
        units[order.user_id] += order.quantity
    granted = bulk_stock.reserve_purchases(conn, sale_id, limit, dict(units))
    confirmed = [m for m in orders if m.user_id in granted]
    refused = []
    for order in (m for m in orders if m.user_id not in granted):
        try:
            inventory.reserve_purchase(conn, order, limit)
            confirmed.append(order)
        except PurchaseLimitReachedError:
            refused.append(order)
    return confirmed, refused
