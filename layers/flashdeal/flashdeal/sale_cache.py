"""Sale state cached per execution environment: the rules never change and sold-out never reverts.

A sale that is not sold out is re-read after a short TTL, so the sold-out flag a worker sets reaches
every API environment within that time; once seen sold out, it stays cached.
"""

import time
from dataclasses import dataclass
from uuid import UUID

from flashdeal.adapters.sale_state import get_sale_state
from flashdeal.sales import Sale


@dataclass(frozen=True)
class _Entry:
    sale: Sale
    sold_out: bool
    expires: float


_entries: dict[UUID, _Entry] = {}


def cached_sale_state(table: str, sale_id: UUID, ttl_s: float) -> tuple[Sale, bool]:
    entry = _entries.get(sale_id)
    if entry is not None and (entry.sold_out or time.monotonic() < entry.expires):
        return entry.sale, entry.sold_out
    sale, _, sold_out = get_sale_state(table, sale_id)
    if ttl_s > 0 or sold_out:
        _entries[sale_id] = _Entry(sale, sold_out, time.monotonic() + ttl_s)
    return sale, sold_out
