"""Orders: the buyer's request, the message the worker settles, and what buyers see."""

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID, uuid5

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

# A fixed namespace: the same (buyer, sale, Idempotency-Key) always names the same order, even if the
# API crashed after queueing and the client retried. The sale is part of it: once an idempotency record
# has expired, a key reused for another sale must not name an order that was already settled.
ORDER_NAMESPACE = UUID("6f1c2b1e-8a8e-4a57-9a53-5e0f0b7a3d42")
IdempotencyKey = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")]


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"


class OrderRequest(BaseModel):
    """Body of ``POST /sales/{sale_id}/orders``."""

    model_config = ConfigDict(extra="forbid")

    quantity: Annotated[int, Field(ge=1, le=1000, strict=True)]


class PlaceOrder(BaseModel):
    """Everything the API knows about one buy attempt; also the idempotency payload."""

    sale_id: UUID
    user_id: str
    idempotency_key: IdempotencyKey
    quantity: int


class OrderMessage(BaseModel):
    """The SQS message body the worker settles."""

    order_id: UUID
    sale_id: UUID
    user_id: Annotated[str, Field(min_length=1)]
    quantity: Annotated[int, Field(ge=1)]
    idempotency_key: IdempotencyKey
    accepted_at: AwareDatetime


class OrderAccepted(BaseModel):
    """The 202 answer."""

    order_id: UUID
    sale_id: UUID
    status: Literal[OrderStatus.PENDING] = OrderStatus.PENDING
    status_url: str


class OrderView(BaseModel):
    """Answer of ``GET /orders/{order_id}``."""

    order_id: UUID
    sale_id: UUID
    quantity: int
    status: OrderStatus
    reason: str | None = None
    updated_at: AwareDatetime


class Settlement(BaseModel):
    """The worker's final word on one order. ``replayed`` marks a redelivery that changed nothing."""

    order_id: UUID
    sale_id: UUID
    user_id: str
    quantity: int
    status: OrderStatus
    reason: str | None = None
    replayed: bool = False
    sold_out: bool = False
    settled_at: datetime
    accepted_at: datetime | None = None  # when the API accepted it: settle lag runs from here


def settlement_of(
    message: OrderMessage,
    status: OrderStatus,
    reason: str | None,
    settled_at: datetime,
    sold_out: bool = False,
    replayed: bool = False,
) -> Settlement:
    """The settlement of a queued order, as its message describes it."""
    return Settlement(
        order_id=message.order_id,
        sale_id=message.sale_id,
        user_id=message.user_id,
        quantity=message.quantity,
        status=status,
        reason=reason,
        replayed=replayed,
        sold_out=sold_out,
        settled_at=settled_at,
        accepted_at=message.accepted_at,
    )


def order_id_for(user_id: str, sale_id: UUID, idempotency_key: str) -> UUID:
    return uuid5(ORDER_NAMESPACE, f"{user_id}\n{sale_id}\n{idempotency_key}")


def order_message(place: PlaceOrder, accepted_at: datetime) -> OrderMessage:
    """The message for an accepted buy attempt; its id follows from (buyer, sale, key)."""
    return OrderMessage(
        order_id=order_id_for(place.user_id, place.sale_id, place.idempotency_key),
        sale_id=place.sale_id,
        user_id=place.user_id,
        quantity=place.quantity,
        idempotency_key=place.idempotency_key,
        accepted_at=accepted_at,
    )


def status_url(order_id: UUID) -> str:
    return f"/orders/{order_id}"


_MESSAGE_LIST = TypeAdapter(list[OrderMessage])


def messages_as_json(messages: Sequence[OrderMessage]) -> str:
    """Queue messages as one JSON array: how a batch travels to Postgres (one parameter, unpacked there)."""
    return _MESSAGE_LIST.dump_json(list(messages)).decode()
