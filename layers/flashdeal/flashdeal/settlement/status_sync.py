"""After Postgres has settled an order: its final status in DynamoDB, where buyers and the API look."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from aws_lambda_powertools.metrics import MetricUnit

from flashdeal.adapters.aws import aws_client
from flashdeal.adapters.order_status import record_settlement
from flashdeal.adapters.purchase_quota import counted_before, give_back
from flashdeal.adapters.sale_state import add_sold, mark_sold_out
from flashdeal.adapters.unit_claims import release_units
from flashdeal.errors import FlashDealError, StoreUnavailableError
from flashdeal.observability import count_rejection, count_settle_failure, logger, metrics
from flashdeal.orders import OrderStatus, Settlement


@dataclass(frozen=True)
class Published:
    settlement: Settlement
    first_time: bool  # this delivery moved the order out of PENDING in DynamoDB


def publish_outcome(outcome: Settlement | FlashDealError, sales_table: str) -> Published:
    """Writes one record's settlement idempotently; an error outcome is raised so the record fails."""
    if isinstance(outcome, FlashDealError):
        logger.warning(
            "record failed; SQS delivers it again, or to the DLQ", error=outcome.code, cause=repr(outcome.__cause__)
        )
        count_settle_failure(outcome.code)
        raise outcome
    first_time = record_settlement(sales_table, outcome)
    if outcome.status is OrderStatus.REJECTED:
        # On every delivery, not only the first: a crash between the writes must not keep the units.
        give_units_back(sales_table, outcome)
    if outcome.sold_out:
        mark_sold_out(sales_table, outcome.sale_id)
        metrics.add_metric(name="SoldOut", unit=MetricUnit.Count, value=1)
    if first_time and outcome.accepted_at is not None:  # the buyer sees the final status from now on
        lag_ms = (datetime.now(UTC) - outcome.accepted_at).total_seconds() * 1000
        metrics.add_metric(name="SettleLag", unit=MetricUnit.Milliseconds, value=max(0.0, lag_ms))
    if first_time and outcome.status is OrderStatus.CONFIRMED:
        metrics.add_metric(name="OrdersConfirmed", unit=MetricUnit.Count, value=1)
    elif first_time and outcome.reason:
        count_rejection(outcome.reason)
    logger.debug("order settled", order_id=str(outcome.order_id), status=outcome.status, replayed=outcome.replayed)
    return Published(outcome, first_time)


def give_units_back(sales_table: str, rejected: Settlement) -> None:
    """A rejected order's units, back to its buyer exactly once and to the sale's unclaimed counter.

    The sale's units go first, while the buyer's counter still lists the order: should the second write
    fail, the next delivery releases them again. Errs towards admitting one order too many (which the
    stock then rejects), never towards stranding a unit.
    """
    if counted_before(aws_client("dynamodb"), sales_table, rejected.sale_id, rejected.user_id, rejected.order_id):
        release_units(sales_table, rejected.sale_id, rejected.quantity)
        give_back(sales_table, rejected.sale_id, rejected.user_id, rejected.order_id, rejected.quantity)


def unpublished(outcome: Settlement | FlashDealError) -> Published:
    """The outcome as ``publish_outcome`` would report it, with nothing written (``PUBLISH_STATUS=false``)."""
    if isinstance(outcome, FlashDealError):
        raise outcome
    return Published(outcome, first_time=not outcome.replayed)


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
