"""Sales: what an admin asks for, what is stored, and the rule that says whether a sale is open."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from flashdeal.errors import InvalidRequestError, SaleNotActiveError, SoldOutError

MAX_SHARDS = 1000
Margin = Literal["off"] | int  # a backlog margin in percent of the inventory, or no shedding
DEFAULT_SHARDS = 32  # about four per concurrent worker at the template's 8 (decision log, 2026-11-23)


class Strategy(StrEnum):
    """How the worker takes a sale's stock; see docs/lab/."""

    NAIVE = "naive"  # one row: SELECT ... FOR UPDATE, check, UPDATE
    ATOMIC = "atomic"  # one row: conditional UPDATE ... WHERE remaining >= q
    OPTIMISTIC = "optimistic"  # one row with a version: read, UPDATE ... WHERE version = v, bounded retries
    SHARDED = "sharded"  # N rows: a random shard first, then the others
    BATCHED = "batched"  # N rows: a whole SQS batch per sale in one transaction, set-based

    @property
    def single_row(self) -> bool:
        return self in (Strategy.NAIVE, Strategy.ATOMIC, Strategy.OPTIMISTIC)


class SaleStatus(StrEnum):
    UPCOMING = "upcoming"
    ACTIVE = "active"
    SOLD_OUT = "sold_out"
    ENDED = "ended"


class SaleRequest(BaseModel):
    """Body of ``POST /sales``."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    inventory: Annotated[int, Field(gt=0, le=100_000_000, strict=True)]
    strategy: Strategy = Strategy.SHARDED
    shards: Annotated[int | None, Field(ge=1, le=MAX_SHARDS, strict=True)] = None  # 32, or 1 for one-row strategies
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    per_user_limit: Annotated[int, Field(ge=1, le=1000, strict=True)] = 1
    # Backlog shedding for this sale: "off", or the percent admitted beyond the inventory; null: the
    # deployment's BacklogMarginPercent
    backlog_margin_percent: Literal["off"] | Annotated[int, Field(ge=0, le=1000, strict=True)] | None = None

    @field_validator("shards")
    @classmethod
    def _shards_fit(cls, shards: int | None, info: ValidationInfo) -> int | None:
        strategy, inventory = info.data.get("strategy"), info.data.get("inventory")
        if shards not in (None, 1) and isinstance(strategy, Strategy) and strategy.single_row:
            raise ValueError(f"the {strategy.value} strategy keeps its stock in one row: shards must be 1")
        if shards is not None and isinstance(inventory, int) and shards > inventory:
            raise ValueError("shards must not exceed inventory")
        return shards

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, ends_at: datetime | None, info: ValidationInfo) -> datetime | None:
        starts_at = info.data.get("starts_at")
        if ends_at is not None and starts_at is not None and ends_at <= starts_at:
            raise ValueError("ends_at must be after starts_at")
        return ends_at

    @property
    def shard_count(self) -> int:
        """Given, or 1 for one-row strategies, or 32 (never more than the units: one unit per shard at least)."""
        if self.shards is not None:
            return self.shards
        return 1 if self.strategy.single_row else min(DEFAULT_SHARDS, self.inventory)


class Sale(BaseModel):
    """A sale as stored: the immutable rules every order is settled by."""

    sale_id: UUID
    name: str
    inventory: int
    shards: int
    strategy: Strategy = Strategy.SHARDED
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    per_user_limit: int
    created_at: AwareDatetime
    # Backlog shedding: orders are admitted while their units, settling or settled, stay within this;
    # the inventory plus a margin. None: no shedding, every order is queued while the sale is open.
    admitted_units: int | None = None


class SaleRules(BaseModel):
    """What the worker needs to settle a sale's orders. Fixed at creation, so safe to cache."""

    model_config = ConfigDict(frozen=True)

    strategy: Strategy
    shards: int
    per_user_limit: int
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None

    def open_at(self, accepted_at: datetime) -> bool:
        """The worker's window rule: an order accepted inside the window is honoured, however late it settles."""
        return self.starts_at <= accepted_at and (self.ends_at is None or accepted_at < self.ends_at)


class SaleView(Sale):
    """A sale as buyers see it. ``remaining`` is eventually consistent; it is exact once sold out."""

    remaining: int
    status: SaleStatus


class CreateSale(BaseModel):
    """One admin call to create a sale; the idempotency payload of ``POST /sales``."""

    idempotency_key: str
    request: SaleRequest


class SaleCreated(BaseModel):
    sale_id: UUID
    sale: SaleView


def new_sale(request: SaleRequest, sale_id: UUID, now: datetime, default_margin: Margin = "off") -> Sale:
    """The sale to store. Without starts_at the sale starts now, so ends_at must be later than now.

    The sale admits orders for its inventory plus its backlog margin in percent (rounded up), the
    request's or else ``default_margin``; "off" admits every order while the sale is open.
    """
    margin = default_margin if request.backlog_margin_percent is None else request.backlog_margin_percent
    if request.starts_at is None and request.ends_at is not None and request.ends_at <= now:
        raise InvalidRequestError("ends_at must be after starts_at, which defaults to now", field="body.ends_at")
    return Sale(
        sale_id=sale_id,
        name=request.name,
        inventory=request.inventory,
        shards=request.shard_count,
        strategy=request.strategy,
        starts_at=request.starts_at or now,
        ends_at=request.ends_at,
        per_user_limit=request.per_user_limit,
        created_at=now,
        admitted_units=None if margin == "off" else admitted(request.inventory, margin),
    )


def admitted(inventory: int, margin_percent: int) -> int:
    """The units a sale admits: its inventory plus ``margin_percent``, rounded up."""
    return -(-inventory * (100 + margin_percent) // 100)


def sale_status(sale: Sale, sold_out: bool, now: datetime | None = None) -> SaleStatus:
    now = now or datetime.now(UTC)
    if sale.ends_at is not None and now >= sale.ends_at:
        return SaleStatus.ENDED
    if now < sale.starts_at:
        return SaleStatus.UPCOMING
    return SaleStatus.SOLD_OUT if sold_out else SaleStatus.ACTIVE


def view_sale(sale: Sale, sold: int, sold_out: bool, now: datetime | None = None) -> SaleView:
    remaining = 0 if sold_out else max(sale.inventory - sold, 0)
    return SaleView(**sale.model_dump(), remaining=remaining, status=sale_status(sale, sold_out, now))


def ensure_open(sale: Sale, sold_out: bool, now: datetime | None = None) -> None:
    """The API's early checks: the window and the sold-out flag."""
    status = sale_status(sale, sold_out, now)
    if status is SaleStatus.SOLD_OUT:
        raise SoldOutError("the sale is sold out")
    if status is not SaleStatus.ACTIVE:
        raise SaleNotActiveError(f"the sale is {status.value}")
