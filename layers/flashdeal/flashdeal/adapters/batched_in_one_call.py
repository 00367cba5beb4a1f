"""A batched sale's orders settled in one round trip and one transaction (db/migrations/0010).

``settle_batch_together`` inserts the orders, reserves the buyers' units and takes the batch's units from
one shard that has them all. When no single shard has them (the end of a sale), it undoes everything and
this adapter raises ``NoShardHasTheBatchError``: the caller then settles the batch statement by statement,
taking across the shards (flashdeal.adapters.bulk_stock).
"""

import random
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import psycopg
from psycopg import errors as pg_errors

from flashdeal.adapters.postgres import database_errors
from flashdeal.errors import OrderAlreadySettledError, PurchaseLimitReachedError
from flashdeal.orders import OrderMessage, messages_as_json

_SETTLE = (
    "SELECT new_ids, refused_ids, units_left FROM settle_batch_together(%(sale)s, %(orders)s::jsonb,"
    " %(rejected)s, %(reasons)s, %(limit)s, %(shards)s, %(start)s, %(settled)s, %(refusal)s)"
)
_NO_SHARD_HAS_THE_BATCH = "FD005"


class NoShardHasTheBatchError(Exception):
    """No single shard has every unit the batch's reserved orders ask for; nothing was written."""


@dataclass(frozen=True)
class SettledTogether:
    new: set[UUID]  # the orders this call inserted (the others were settled before)
    refused: set[UUID]  # new orders over the buyer's limit, now REJECTED
    units_left: int  # in the sale after the take; -1 when no order asked for any


def settle_together(
    conn: psycopg.Connection,
    sale_id: UUID,
    orders: list[OrderMessage],
    rejections: dict[UUID, str],
    limit: int,
    shards: int,
    settled_at: datetime,
) -> SettledTogether:
    """Settles ``orders`` (first deliveries, in arrival order; ``rejections`` are REJECTED from the start)."""
    params = {
        "sale": sale_id,
        "orders": messages_as_json(orders),
        "rejected": list(rejections),
        "reasons": list(rejections.values()),
        "limit": limit,
        "shards": shards,
        "start": random.randrange(shards),
        "settled": settled_at,
        "refusal": PurchaseLimitReachedError.code,
    }
    with database_errors():
        try:
            row = conn.execute(_SETTLE, params).fetchone()
        except pg_errors.UniqueViolation as exc:  # same (buyer, sale, key) under another order id: forged
            raise OrderAlreadySettledError("an order in this batch conflicts with a settled one") from exc
        except psycopg.OperationalError as exc:  # the driver's class for a SQLSTATE of our own
            if exc.sqlstate != _NO_SHARD_HAS_THE_BATCH:
                raise
            raise NoShardHasTheBatchError(str(exc)) from exc
    assert row is not None
    new_ids, refused_ids, units_left = row
    return SettledTogether(set(new_ids), set(refused_ids), units_left)
