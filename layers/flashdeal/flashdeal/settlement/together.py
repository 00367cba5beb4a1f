"""The batched strategy: every order a batch holds for one sale, settled in one transaction.

Stock is taken once for the whole demand and handed out first come first served; the orders go in
with one INSERT. The whole transaction is one round trip (db/migrations/0010) while one shard has the
batch's units, and statement by statement at the end of a sale. Each order still gets its own outcome,
and a redelivery changes nothing.
"""

from collections import Counter
from datetime import datetime
from uuid import UUID

import psycopg

from flashdeal.adapters import batched_in_one_call, bulk_stock, order_ledger
from flashdeal.adapters.postgres import transaction
from flashdeal.errors import FlashDealError, OrderAlreadySettledError, PurchaseLimitReachedError, SoldOutError
from flashdeal.orders import OrderMessage, OrderStatus, Settlement, settlement_of
from flashdeal.sales import SaleRules
from flashdeal.settlement.single import Outcome, replay, settle_orders


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
    """Outcomes by SQS message id. A batch that cannot go through whole is settled one order at a time."""
    try:
        settlements = _settle_once(conn, list(messages.values()), rules, now)
    except OrderAlreadySettledError:  # a message conflicts with a settled order: let each record answer for itself
        return settle_orders(conn, messages, rules, now)
    except FlashDealError as exc:
        return dict.fromkeys(messages, exc)
    seen: set[UUID] = set()
    outcomes: dict[str, Outcome] = {}
    for message_id, message in messages.items():
        settled = settlements[message.order_id]
        outcomes[message_id] = replay(settled) if message.order_id in seen else settled
        seen.add(message.order_id)
    return outcomes


_exhausted: set[UUID] = set()  # sales this environment saw sold out; stock never comes back


def _settle_once(
    conn: psycopg.Connection, messages: list[OrderMessage], rules: SaleRules, now: datetime
) -> dict[UUID, Settlement]:
    """One round trip (db/migrations/0010) unless no single shard has the batch's units: then statement by
    statement, taking across the shards. Rejections found after the insert are written over it."""
    sale_id = messages[0].sale_id
    firsts = list({m.order_id: m for m in reversed(messages)}.values())[::-1]  # first delivery of each order
    sold_out = sale_id in _exhausted
    fits, over = ([], firsts) if sold_out else split_by_limit(firsts, rules.per_user_limit)
    early = SoldOutError.code if sold_out else PurchaseLimitReachedError.code
    rejected = {m.order_id: early for m in over}
    try:
        together = batched_in_one_call.settle_together(
            conn, sale_id, firsts, rejected, rules.per_user_limit, rules.shards, now
        )
        new, left = together.new, together.units_left
        rejected |= dict.fromkeys(together.refused, PurchaseLimitReachedError.code)
    except batched_in_one_call.NoShardHasTheBatchError:  # the end of the sale
        new, late, left = _settle_across_shards(conn, firsts, fits, rejected, rules, now)
        rejected |= late
    if left == 0:
        _exhausted.add(sale_id)
    replayed = [m.order_id for m in firsts if m.order_id not in new]
    settled = order_ledger.find_settlements(conn, replayed) if replayed else {}
    news = [m for m in firsts if m.order_id in new]
    for message in news:
        reason = rejected.get(message.order_id)
        status = OrderStatus.REJECTED if reason else OrderStatus.CONFIRMED
        # The first new settlement carries the sold-out news; the publisher flags the sale once.
        settled[message.order_id] = settlement_of(message, status, reason, now, left == 0 and message is news[0])
    return settled


def _settle_across_shards(
    conn: psycopg.Connection,
    firsts: list[OrderMessage],
    fits: list[OrderMessage],
    rejected: dict[UUID, str],
    rules: SaleRules,
    now: datetime,
) -> tuple[set[UUID], dict[UUID, str], int]:
    """Statement by statement, in one transaction: (orders inserted, late rejections, units left).
    Orders in first, stock last: a shard lock is held only for the final UPDATE and the commit."""
    sale_id = firsts[0].sale_id
    with transaction(conn):
        new = bulk_stock.insert_new_orders(conn, firsts, rejected, now)
        reserved, refused = _reserve(conn, sale_id, rules.per_user_limit, [m for m in fits if m.order_id in new])
        short, left = _take_stock(conn, sale_id, rules.shards, reserved)
        if short:
            bulk_stock.release_purchases(conn, sale_id, _units_by_buyer(short))
        late = {m.order_id: SoldOutError.code for m in short} | {
            m.order_id: PurchaseLimitReachedError.code for m in refused
        }
        if late:
            bulk_stock.reject_orders(conn, late)
    return new, late, left


def _take_stock(
    conn: psycopg.Connection, sale_id: UUID, shards: int, orders: list[OrderMessage]
) -> tuple[list[OrderMessage], int]:
    """Takes the orders' units in one go: (orders left short, units left in the sale; -1 if not asked)."""
    if not orders:
        return [], -1
    taken, left = bulk_stock.take_units(conn, sale_id, shards, _units(orders))
    covered, short = allocate(orders, sum(taken.values()))
    spare = sum(taken.values()) - _units(covered)  # units no whole order could use
    if spare:
        bulk_stock.return_units(conn, sale_id, taken, spare)
    return short, left + spare


def _units(orders: list[OrderMessage]) -> int:
    return sum(m.quantity for m in orders)


def _units_by_buyer(orders: list[OrderMessage]) -> dict[str, int]:
    units: Counter[str] = Counter()
    for order in orders:
        units[order.user_id] += order.quantity
    return dict(units)


def _reserve(
    conn: psycopg.Connection, sale_id: UUID, limit: int, orders: list[OrderMessage]
) -> tuple[list[OrderMessage], list[OrderMessage]]:
    """(orders within each buyer's limit, orders refused). Buyers refused as a group are retried one by one."""
    if not orders:
        return [], []
    granted = bulk_stock.reserve_purchases(conn, sale_id, limit, _units_by_buyer(orders))
    confirmed = [m for m in orders if m.user_id in granted]
    refused = []
    for order in (m for m in orders if m.user_id not in granted):
        try:
            order_ledger.reserve_purchase(conn, order, limit)
            confirmed.append(order)
        except PurchaseLimitReachedError:
            refused.append(order)
    return confirmed, refused
