"""Shared test factories: queued order messages, sale requests and bench cells, one definition for every tier."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from flashdeal.orders import OrderMessage, PlaceOrder, order_message
from flashlab.bench.cells import CellResult

SALE = {"name": "flash socks", "inventory": 10, "shards": 2}


def an_order(
    sale_id: UUID | str,
    user: str | None = None,
    quantity: int = 1,
    key: str | None = None,
    accepted_at: datetime | None = None,
) -> OrderMessage:
    """The message the API would queue for this buy attempt; fresh buyer and key unless named."""
    place = PlaceOrder(
        sale_id=UUID(str(sale_id)),
        user_id=user or f"u-{uuid4()}",
        idempotency_key=key or f"k-{uuid4()}",
        quantity=quantity,
    )
    return order_message(place, accepted_at or datetime.now(UTC))


def a_sale(**overrides: Any) -> dict[str, Any]:
    """A ``POST /sales`` body."""
    return {**SALE, **overrides}


def admin_headers(token: str | None = None) -> dict[str, str]:
    """A fresh Idempotency-Key, and the embedded gateway's stand-in for SigV4 when a token is given."""
    headers = {"Idempotency-Key": f"sale-{uuid4()}"}
    return headers | ({"Authorization": f"Bearer {token}"} if token else {})


def place_order(
    stack: Any, sale_id: UUID | str, user: str = "alice", quantity: int = 1, key: str | None = None, **kwargs: Any
) -> Any:
    """``POST /sales/{sale_id}/orders`` on an in-process stack; a fresh Idempotency-Key unless one is named."""
    headers = {"Idempotency-Key": key or f"k-{uuid4()}"}
    return stack.request(
        "POST", f"/sales/{sale_id}/orders", {"quantity": quantity}, headers=headers, user=user, **kwargs
    )


def a_bench_cell(strategy: str, workers: int, rate: float, batch: int = 100, verified: bool = True) -> CellResult:
    """One contention-lab cell's result: 3 s at ``rate`` orders/s, a core of Python, 0.8 of Postgres."""
    return CellResult(
        strategy=strategy,
        workers=workers,
        batch=batch,
        orders=int(rate * 3),
        failed=0,
        seconds=3.0,
        rate=rate,
        p50_ms=10.0,
        p99_ms=20.0,
        lock_wait_share=0.0,
        retries=0,
        peak_connections=workers,
        peak_active=workers,
        python_cores=1.0,
        postgres_cores=0.8,
        machine_cores=1.9,
        stolen_cores=0.0,
        distinct_workers=workers,
        verified=verified,
        in_postgres={},
    )
