"""Admission control per buyer and per sale, decided before any idempotency bookkeeping.

- the per-buyer request limit: N orders a minute, counted in DynamoDB (``adapters/buyer_requests.py``);
- backlog shedding's fast answer: an environment that saw a sale fully claimed refuses its next buyers
  without a call for the sale-state TTL, as it does for a sold-out sale.

Both memories are per environment and only ever refuse what DynamoDB refused a moment ago.
"""

import time
from datetime import datetime
from uuid import UUID

from flashdeal.adapters.buyer_requests import WINDOW_S, count_request
from flashdeal.errors import BuyerRateLimitedError, SaleFullyClaimedError

_limited: dict[str, int] = {}  # buyer -> the window in which DynamoDB refused them
_fully_claimed: dict[UUID, float] = {}  # sale -> monotonic time until which it counts as fully claimed


def ensure_request_allowed(table: str, user_id: str, per_minute: int, now: datetime) -> None:
    if per_minute == 0:
        return
    window, into = divmod(int(now.timestamp()), WINDOW_S)
    retry_after = WINDOW_S - into
    message = f"at most {per_minute} orders a minute per buyer; retry in {retry_after} s"
    if _limited.get(user_id) == window:
        raise BuyerRateLimitedError(message, retry_after_s=retry_after)
    if not count_request(table, user_id, window, per_minute):
        if any(w != window for w in _limited.values()):
            _limited.clear()  # forget earlier windows: the memory holds one minute's offenders at most
        _limited[user_id] = window
        raise BuyerRateLimitedError(message, retry_after_s=retry_after)


def ensure_not_fully_claimed(sale_id: UUID) -> None:
    until = _fully_claimed.get(sale_id)
    if until is not None and time.monotonic() < until:
        raise SaleFullyClaimedError("every unit of this sale is claimed by orders still settling")


def note_fully_claimed(sale_id: UUID, ttl_s: float) -> None:
    _fully_claimed[sale_id] = time.monotonic() + ttl_s
