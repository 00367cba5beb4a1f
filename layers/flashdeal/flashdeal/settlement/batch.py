"""What the worker does with one SQS batch: settle every order in Postgres, by its sale's strategy."""

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from uuid import UUID

import psycopg

from flashdeal.adapters.postgres import database_errors
from flashdeal.adapters.sale_rows import get_sale_rules
from flashdeal.errors import FlashDealError, InvalidOrderMessageError
from flashdeal.orders import OrderMessage
from flashdeal.sales import Strategy
from flashdeal.settlement.single import Outcome, parse_order_message, settle_orders
from flashdeal.settlement.together import settle_together


def settle_batch(
    bodies: Mapping[str, str], conn: psycopg.Connection, now: datetime | None = None
) -> dict[str, Outcome]:
    """Outcomes by message id: a Settlement, or the error that fails that record (SQS retries it)."""
    now = now or datetime.now(UTC)
    outcomes: dict[str, Outcome] = {}
    by_sale: dict[UUID, dict[str, OrderMessage]] = defaultdict(dict)
    for message_id, body in bodies.items():
        try:
            message = parse_order_message(body)
        except InvalidOrderMessageError as exc:
            outcomes[message_id] = exc
        else:
            by_sale[message.sale_id][message_id] = message
    for sale_id, messages in by_sale.items():
        outcomes.update(_settle_sale(conn, sale_id, messages, now))
    return outcomes


def _settle_sale(
    conn: psycopg.Connection, sale_id: UUID, messages: dict[str, OrderMessage], now: datetime
) -> dict[str, Outcome]:
    try:
        with database_errors():
            rules = get_sale_rules(conn, sale_id)
    except FlashDealError as exc:
        return dict.fromkeys(messages, exc)
    if rules.strategy is not Strategy.BATCHED:
        return settle_orders(conn, messages, rules, now)
    # Batched: orders accepted outside the window are rejected one by one (settle_orders' window rule),
    # the rest settle together.
    outside = {i: m for i, m in messages.items() if not rules.open_at(m.accepted_at)}
    inside = {i: m for i, m in messages.items() if i not in outside}
    together = settle_together(conn, inside, rules, now) if inside else {}
    return together | settle_orders(conn, outside, rules, now)
