"""What buyers do: place an order and follow it. No Postgres here, by design."""

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from aws_lambda_powertools.metrics import MetricUnit

from flashdeal.adapters.order_queue import send_order
from flashdeal.adapters.order_status import get_order_view, order_exists, register_order, unregister_order
from flashdeal.adapters.sale_state import get_sale_state
from flashdeal.buyer_limits import ensure_not_fully_claimed, ensure_request_allowed, note_fully_claimed
from flashdeal.errors import (
    FlashDealError,
    OrderNotAcceptedError,
    PurchaseLimitReachedError,
    SaleFullyClaimedError,
    SaleNotActiveError,
    SoldOutError,
)
from flashdeal.observability import count_rejection, logger, metrics
from flashdeal.orders import OrderAccepted, OrderView, PlaceOrder, order_id_for, order_message, status_url
from flashdeal.sale_cache import cached_sale_state
from flashdeal.sales import SaleView, ensure_open, view_sale
from flashdeal.settings import OrderApiSettings


def place_order(
    place: PlaceOrder, settings: OrderApiSettings, accept: Callable[[PlaceOrder], OrderAccepted]
) -> OrderAccepted:
    """Admission control, cheapest first, all before any idempotency bookkeeping:
    a closed, sold-out or fully claimed sale is refused from the environment's cache (at most one read),
    then the buyer's request limit costs one write.

    ``accept`` is ``accept_order`` behind the idempotency layer. A retry of an order accepted before the
    sale closed still reaches it, and gets its identical 202.
    """
    try:
        sale, sold_out = cached_sale_state(settings.sales_table, place.sale_id, settings.sale_state_ttl_seconds)
        ensure_open(sale, sold_out)
        ensure_not_fully_claimed(place.sale_id)
    except (SaleNotActiveError, SoldOutError, SaleFullyClaimedError) as closed:
        if order_exists(settings.sales_table, order_id_for(place.user_id, place.sale_id, place.idempotency_key)):
            return accept(place)
        count_rejection(closed.code)
        raise
    except FlashDealError as rejection:
        count_rejection(rejection.code)
        raise
    try:
        ensure_request_allowed(
            settings.sales_table, place.user_id, settings.buyer_requests_per_minute, datetime.now(UTC)
        )
    except FlashDealError as rejection:
        count_rejection(rejection.code)
        raise
    return accept(place)


def accept_order(place: PlaceOrder, settings: OrderApiSettings, now: datetime | None = None) -> OrderAccepted:
    """Checks the sale, counts the order against the buyer's limit, claims its units, queues it.

    Idempotent per key. The units are claimed only where the sale sheds its backlog.
    """
    now = now or datetime.now(UTC)
    try:
        sale, sold_out = cached_sale_state(settings.sales_table, place.sale_id, settings.sale_state_ttl_seconds)
        ensure_open(sale, sold_out, now)
        if place.quantity > sale.per_user_limit:
            raise PurchaseLimitReachedError(f"at most {sale.per_user_limit} per buyer")
        message = order_message(place, now)
        created = register_order(
            settings.sales_table, message, sale.per_user_limit, claim=sale.admitted_units is not None
        )
    except FlashDealError as rejection:
        if isinstance(rejection, SaleFullyClaimedError):
            note_fully_claimed(place.sale_id, settings.sale_state_ttl_seconds)
        count_rejection(rejection.code)
        raise
    try:
        send_order(settings.orders_queue_url, message)
    except OrderNotAcceptedError:
        if created:
            unregister_order(settings.sales_table, message)
        raise
    metrics.add_metric(name="OrdersAccepted", unit=MetricUnit.Count, value=1)
    logger.info("order accepted", order_id=str(message.order_id), sale_id=str(place.sale_id), new=created)
    return OrderAccepted(order_id=message.order_id, sale_id=place.sale_id, status_url=status_url(message.order_id))


def get_order(order_id: UUID, user_id: str, settings: OrderApiSettings) -> OrderView:
    return get_order_view(settings.sales_table, order_id, user_id)


def get_sale(sale_id: UUID, sales_table: str) -> SaleView:
    sale, sold, sold_out = get_sale_state(sales_table, sale_id)
    return view_sale(sale, sold, sold_out)
