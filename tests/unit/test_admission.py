"""Admission control in the API's domain path, against moto: backlog shedding and the per-buyer limit.

Each test shows the load that is shed and that the orders admitted before it are unaffected.
"""

from datetime import UTC, datetime
from uuid import uuid4

import boto3
import pytest

from flashdeal import buyer_limits
from flashdeal.adapters import order_status
from flashdeal.adapters.order_status import get_order_view
from flashdeal.adapters.purchase_quota import counted_before
from flashdeal.adapters.sale_state import put_sale
from flashdeal.buying import accept_order, place_order
from flashdeal.errors import BuyerRateLimitedError, SaleFullyClaimedError, StoreUnavailableError
from flashdeal.orders import OrderAccepted, OrderStatus, PlaceOrder, settlement_of
from flashdeal.sales import SaleRequest, new_sale
from flashdeal.settings import OrderApiSettings
from flashdeal.settlement.status_sync import publish_outcome
from tests.factories import an_order

NOW = datetime.now(UTC)


@pytest.fixture
def settings(settings) -> OrderApiSettings:
    return settings.model_copy(update={"sale_state_ttl_seconds": 0})


@pytest.fixture(autouse=True)
def fresh_memory():
    """Each test is a fresh environment: no buyer or sale remembered as refused."""
    buyer_limits._limited.clear()
    buyer_limits._fully_claimed.clear()


def a_sale(settings, inventory: int, margin_percent: int | str):
    request = SaleRequest(name="socks", inventory=inventory, shards=1, per_user_limit=10)
    sale = new_sale(request, uuid4(), NOW, margin_percent)
    put_sale(settings.sales_table, sale)
    return sale


def buy(settings, sale_id, user: str, key: str = "k1") -> OrderAccepted:
    order = PlaceOrder(sale_id=sale_id, user_id=user, idempotency_key=key, quantity=1)
    return place_order(order, settings, accept=lambda p: accept_order(p, settings))


def queued(settings) -> int:
    attrs = boto3.client("sqs").get_queue_attributes(
        QueueUrl=settings.orders_queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def test_the_margin_sets_the_units_a_sale_admits():
    request = SaleRequest(name="socks", inventory=1000, shards=1)
    assert [new_sale(request, uuid4(), NOW, m).admitted_units for m in ("off", 0, 5)] == [None, 1000, 1050]
    assert new_sale(SaleRequest(name="one", inventory=1, shards=1), uuid4(), NOW, 10).admitted_units == 2


def test_a_sale_may_name_its_own_margin():
    for own, admitted in (("off", None), (0, 10), (20, 12)):
        request = SaleRequest(name="socks", inventory=10, shards=1, backlog_margin_percent=own)
        assert new_sale(request, uuid4(), NOW, default_margin=50).admitted_units == admitted


def test_orders_beyond_the_admitted_units_are_shed_and_never_queued(settings):
    sale = a_sale(settings, inventory=3, margin_percent=0)
    accepted = [buy(settings, sale.sale_id, f"buyer-{n}") for n in range(3)]
    for n in range(3, 6):
        with pytest.raises(SaleFullyClaimedError):
            buy(settings, sale.sale_id, f"buyer-{n}")
    assert queued(settings) == 3
    for order in accepted:  # the admitted orders are untouched
        assert get_order_view(settings.sales_table, order.order_id, f"buyer-{accepted.index(order)}").status is (
            OrderStatus.PENDING
        )
    # a shed buyer kept their quota: nothing was counted for them
    assert not counted_before(boto3.client("dynamodb"), settings.sales_table, sale.sale_id, "buyer-3", uuid4())


def test_a_retry_of_an_admitted_order_still_gets_its_202_once_the_sale_is_fully_claimed(settings):
    sale = a_sale(settings, inventory=1, margin_percent=0)
    first = buy(settings, sale.sale_id, "alice", key="k1")
    with pytest.raises(SaleFullyClaimedError):
        buy(settings, sale.sale_id, "bob")
    assert buy(settings, sale.sale_id, "alice", key="k1") == first  # (the idempotency layer replays it)
    buyer_limits._fully_claimed.clear()
    with pytest.raises(SaleFullyClaimedError):  # the retry claimed no more units, and gave none back
        buy(settings, sale.sale_id, "bob")


def test_a_rejected_order_gives_its_units_back_exactly_once(settings):
    sale = a_sale(settings, inventory=1, margin_percent=0)
    buy(settings, sale.sale_id, "alice")
    with pytest.raises(SaleFullyClaimedError):
        buy(settings, sale.sale_id, "bob")
    rejected = settlement_of(
        an_order(sale.sale_id, user="alice", key="k1", accepted_at=NOW), OrderStatus.REJECTED, "test", NOW
    )
    for _ in range(3):  # SQS may deliver the outcome more than once
        publish_outcome(rejected, settings.sales_table)
    buyer_limits._fully_claimed.clear()  # this environment's memory expires after the sale-state TTL
    buy(settings, sale.sale_id, "bob")
    with pytest.raises(SaleFullyClaimedError):  # one unit came back, not three
        buy(settings, sale.sale_id, "carol")


def test_without_shedding_every_order_is_queued(settings):
    sale = a_sale(settings, inventory=1, margin_percent="off")
    for n in range(3):
        buy(settings, sale.sale_id, f"buyer-{n}")
    assert queued(settings) == 3


def test_an_environment_that_saw_a_sale_fully_claimed_refuses_without_a_call(settings, monkeypatch):
    sale = a_sale(settings, inventory=1, margin_percent=0)
    buy(settings, sale.sale_id, "alice")
    with pytest.raises(SaleFullyClaimedError):
        buy(settings, sale.sale_id, "bob")
    buyer_limits.note_fully_claimed(sale.sale_id, ttl_s=60)
    monkeypatch.setattr("flashdeal.buying.ensure_request_allowed", pytest.fail)  # not even the limit's write
    with pytest.raises(SaleFullyClaimedError):
        buy(settings, sale.sale_id, "carol")


def test_the_buyer_request_limit_holds_across_environments(settings):
    limited = settings.model_copy(update={"buyer_requests_per_minute": 3})
    sale = a_sale(settings, inventory=100, margin_percent="off")
    if datetime.now(UTC).second > 55:  # the count restarts at each clock minute
        pytest.skip("too close to the minute's end")
    for key in ("k1", "k2", "k3"):
        buy(limited, sale.sale_id, "mallory", key)
    with pytest.raises(BuyerRateLimitedError) as refused:
        buy(limited, sale.sale_id, "mallory", "k4")
    assert 1 <= refused.value.retry_after_s <= 60
    buyer_limits._limited.clear()  # another environment, which never saw mallory refused
    with pytest.raises(BuyerRateLimitedError):
        buy(limited, sale.sale_id, "mallory", "k5")
    buy(limited, sale.sale_id, "alice")  # other buyers are unaffected
    assert queued(settings) == 4


def test_no_limit_means_no_counting(settings, monkeypatch):
    unlimited = settings.model_copy(update={"buyer_requests_per_minute": 0})
    sale = a_sale(settings, inventory=100, margin_percent="off")
    monkeypatch.setattr("flashdeal.buyer_limits.count_request", pytest.fail)
    for key in range(5):
        buy(unlimited, sale.sale_id, "alice", str(key))
    assert queued(settings) == 5


def test_a_claim_the_sale_item_throttles_gives_the_buyer_count_back_and_the_retry_claims(settings, monkeypatch):
    # GIVEN the sale's item refuses the claim once (DynamoDB throttling one hot partition)
    sale = a_sale(settings, inventory=1, margin_percent=0)
    claim = order_status.claim_units
    refusals = iter([StoreUnavailableError("could not claim the units")])

    def throttled_once(*args, **kwargs):
        for refusal in refusals:
            raise refusal
        return claim(*args, **kwargs)

    monkeypatch.setattr(order_status, "claim_units", throttled_once)
    with pytest.raises(StoreUnavailableError):
        buy(settings, sale.sale_id, "alice", key="k1")
    # THEN nothing stays counted for the buyer, and the retry with the same key claims the unit
    assert not counted_before(boto3.client("dynamodb"), settings.sales_table, sale.sale_id, "alice", uuid4())
    buy(settings, sale.sale_id, "alice", key="k1")
    with pytest.raises(SaleFullyClaimedError):  # the one unit is claimed: backlog shedding still holds
        buy(settings, sale.sale_id, "bob")
