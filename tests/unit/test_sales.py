from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

from flashdeal.errors import InvalidRequestError, SaleNotActiveError, SoldOutError
from flashdeal.sales import SaleRequest, SaleStatus, Strategy, ensure_open, new_sale, sale_status, view_sale

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def make_sale(starts_in: timedelta = timedelta(0), lasts: timedelta | None = None, inventory: int = 10):
    starts = NOW + starts_in
    request = SaleRequest(
        name="socks",
        inventory=inventory,
        shards=2,
        starts_at=starts,
        ends_at=starts + lasts if lasts else None,
    )
    return new_sale(request, uuid4(), NOW)


def test_defaults_fill_in_start_shards_and_limit():
    sale = new_sale(SaleRequest(name="socks", inventory=100), uuid4(), NOW)
    assert (sale.starts_at, sale.ends_at, sale.shards, sale.per_user_limit) == (NOW, None, 32, 1)
    assert sale.strategy is Strategy.SHARDED


@pytest.mark.parametrize(("strategy", "shards"), [("naive", 1), ("atomic", 1), ("optimistic", 1), ("batched", 32)])
def test_one_row_strategies_default_to_one_shard(strategy, shards):
    sale = new_sale(SaleRequest(name="socks", inventory=100, strategy=strategy), uuid4(), NOW)
    assert (sale.strategy.value, sale.shards) == (strategy, shards)


def test_a_one_row_strategy_refuses_shards_naming_the_field():
    with pytest.raises(ValidationError) as error:
        SaleRequest.model_validate({"name": "x", "inventory": 10, "strategy": "naive", "shards": 4})
    assert error.value.errors()[0]["loc"] == ("shards",)
    assert "naive strategy keeps its stock in one row" in str(error.value)


@pytest.mark.parametrize(
    ("starts_in", "lasts", "sold_out", "expected"),
    [
        (timedelta(minutes=5), None, False, SaleStatus.UPCOMING),
        (timedelta(0), None, False, SaleStatus.ACTIVE),
        (timedelta(0), None, True, SaleStatus.SOLD_OUT),
        (timedelta(hours=-2), timedelta(hours=1), False, SaleStatus.ENDED),
        (timedelta(hours=-2), timedelta(hours=1), True, SaleStatus.ENDED),
        (timedelta(minutes=-1), timedelta(minutes=1), False, SaleStatus.ENDED),  # end is exclusive
    ],
)
def test_status_follows_window_then_sold_out_flag(starts_in, lasts, sold_out, expected):
    assert sale_status(make_sale(starts_in, lasts), sold_out, NOW) is expected


def test_ensure_open_rejects_closed_and_sold_out_sales():
    with pytest.raises(SaleNotActiveError):
        ensure_open(make_sale(timedelta(minutes=1)), sold_out=False, now=NOW)
    with pytest.raises(SoldOutError):
        ensure_open(make_sale(), sold_out=True, now=NOW)
    ensure_open(make_sale(), sold_out=False, now=NOW)


def test_remaining_is_inventory_minus_sold_and_zero_once_sold_out():
    sale = make_sale(inventory=10)
    assert view_sale(sale, sold=3, sold_out=False, now=NOW).remaining == 7
    assert view_sale(sale, sold=12, sold_out=False, now=NOW).remaining == 0
    assert view_sale(sale, sold=3, sold_out=True, now=NOW).remaining == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "inventory": 0}, "inventory"),
        ({"name": "x", "inventory": "10"}, "inventory"),
        ({"name": "", "inventory": 10}, "name"),
        ({"name": "x", "inventory": 10, "shards": 1001}, "shards"),
        ({"name": "x", "inventory": 10, "shards": 0}, "shards"),
        ({"name": "x", "inventory": 10, "per_user_limit": 0}, "per_user_limit"),
        ({"name": "x", "inventory": 10, "starts_at": "2026-11-22T10:00:00"}, "starts_at"),  # naive time
        ({"name": "x", "inventory": 10, "colour": "red"}, "colour"),
        ({"name": "x", "inventory": 10, "strategy": "pessimistic"}, "strategy"),
    ],
)
def test_bad_sale_requests_name_the_field(body, field):
    with pytest.raises(ValidationError) as error:
        SaleRequest.model_validate(body)
    assert field in str(error.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x", "inventory": 4, "shards": 8}, "shards must not exceed inventory"),
        (
            {
                "name": "x",
                "inventory": 4,
                "shards": 1,
                "starts_at": "2026-11-22T10:00:00Z",
                "ends_at": "2026-11-22T09:00:00Z",
            },
            "ends_at must be after starts_at",
        ),
    ],
)
def test_inconsistent_sale_requests_are_refused(body, message):
    with pytest.raises(ValidationError, match=message):
        SaleRequest.model_validate(body)


def test_a_sale_without_starts_at_must_end_after_now():
    request = SaleRequest(name="x", inventory=10, ends_at=NOW - timedelta(seconds=1))
    with pytest.raises(InvalidRequestError) as refused:
        new_sale(request, uuid4(), NOW)
    assert refused.value.field == "body.ends_at"
