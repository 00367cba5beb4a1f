"""Domain errors. Adapters translate driver errors into these (``raise ... from exc``).

The HTTP layer maps them to status codes by class in ``flashdeal.http_errors``; the
``code`` attribute is the stable machine-readable error code clients see.
"""


class FlashDealError(Exception):
    """Root of every error FlashDeal raises on purpose.

    ``retry_after_s``: when set, the answer says when to come back (``Retry-After``).
    """

    code = "internal_error"
    retry_after_s: int | None = None


class InvalidRequestError(FlashDealError):
    """The request is well formed but asks for something impossible; ``field`` names the culprit."""

    code = "validation_error"

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidEncodingError(InvalidRequestError):
    """A body or header whose bytes are not valid UTF-8."""

    code = "invalid_encoding"


class SaleNotFoundError(FlashDealError):
    code = "sale_not_found"


class OrderNotFoundError(FlashDealError):
    code = "order_not_found"


class SaleNotActiveError(FlashDealError):
    code = "sale_not_active"


class SoldOutError(FlashDealError):
    code = "sold_out"

    def __init__(self, message: str = "the sale is sold out", *, exhausted: bool = True) -> None:
        super().__init__(message)
        self.exhausted = exhausted


class PurchaseLimitReachedError(FlashDealError):
    code = "purchase_limit_reached"


class SaleFullyClaimedError(FlashDealError):
    """Every unit the sale admits is claimed by an order still settling or settled (backlog shedding).

    Units come back if some of those orders fail, so the buyer may look again later.
    """

    code = "fully_claimed"
    retry_after_s = 2


class BuyerRateLimitedError(FlashDealError):
    """This buyer sent more orders than the per-buyer request limit allows in the current minute."""

    code = "buyer_rate_limited"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class UnauthenticatedError(FlashDealError):
    code = "unauthorized"


class OrderNotAcceptedError(FlashDealError):
    """The order could not be queued; nothing was accepted, the client may retry."""

    code = "order_not_accepted"


class StoreUnavailableError(FlashDealError):
    """A backing store (DynamoDB, SQS, Postgres) failed in a way the caller may retry."""

    code = "service_unavailable"


class InvalidOrderMessageError(FlashDealError):
    """A queued order message that cannot be parsed; it is reported as a batch failure."""

    code = "invalid_order_message"


class OrderAlreadySettledError(FlashDealError):
    """Another delivery of the same order committed first; this attempt was rolled back."""

    code = "order_already_settled"


class InventoryContentionError(FlashDealError):
    """Settling waited past the lock timeout, or optimistic lost the race too often; SQS redelivers the record."""

    code = "inventory_contention"
