"""The batched strategy's two rules, without a database: per-buyer limits and first-come allocation."""

from datetime import UTC, datetime
from uuid import uuid4

from flashdeal.orders import OrderMessage
from flashdeal.settlement.together import allocate, split_by_limit

SALE = uuid4()


def order(user: str, quantity: int = 1) -> OrderMessage:
    return OrderMessage(
        order_id=uuid4(),
        sale_id=SALE,
        user_id=user,
        quantity=quantity,
        idempotency_key=uuid4().hex,
        accepted_at=datetime.now(UTC),
    )


def test_a_buyers_orders_beyond_the_limit_in_one_batch_are_set_aside_in_order():
    # GIVEN a limit of 2 and a buyer who asks three times
    first, second, third, other = order("ann"), order("ann"), order("ann"), order("bob", 2)
    # WHEN the batch is split by the limit
    fits, over = split_by_limit([first, second, other, third], limit=2)
    # THEN the first two of ann's orders fit, the third does not; bob's two units fit
    assert (fits, over) == ([first, second, other], [third])


def test_an_order_larger_than_the_limit_never_fits():
    big = order("ann", 3)
    assert split_by_limit([big], limit=2) == ([], [big])


def test_units_go_first_come_first_served_and_orders_are_never_split():
    a, b, c, d = order("a", 2), order("b", 3), order("c", 1), order("d", 1)
    covered, short = allocate([a, b, c, d], units=4)
    # a takes 2; b needs 3 of the 2 left, so it is short; c and d take the last 2
    assert (covered, short) == ([a, c, d], [b])


def test_no_units_means_every_order_is_short():
    orders = [order("a"), order("b")]
    assert allocate(orders, units=0) == ([], orders)
