"""The one table that maps domain errors to HTTP answers, and the handlers that apply it.

Every error body is ``{"error": <code>, "message": ...}``; validation errors add ``fields``.
"""

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from flashdeal.errors import (
    BuyerRateLimitedError,
    FlashDealError,
    InvalidEncodingError,
    InvalidRequestError,
    OrderNotAcceptedError,
    OrderNotFoundError,
    PurchaseLimitReachedError,
    SaleFullyClaimedError,
    SaleNotActiveError,
    SaleNotFoundError,
    SoldOutError,
    StoreUnavailableError,
    UnauthenticatedError,
)
from flashdeal.observability import logger

ERROR_STATUS: dict[type[FlashDealError], HTTPStatus] = {
    InvalidEncodingError: HTTPStatus.BAD_REQUEST,
    InvalidRequestError: HTTPStatus.UNPROCESSABLE_ENTITY,
    UnauthenticatedError: HTTPStatus.UNAUTHORIZED,
    SaleNotFoundError: HTTPStatus.NOT_FOUND,
    OrderNotFoundError: HTTPStatus.NOT_FOUND,
    SaleNotActiveError: HTTPStatus.CONFLICT,
    SoldOutError: HTTPStatus.CONFLICT,
    PurchaseLimitReachedError: HTTPStatus.CONFLICT,
    SaleFullyClaimedError: HTTPStatus.CONFLICT,
    BuyerRateLimitedError: HTTPStatus.TOO_MANY_REQUESTS,
    OrderNotAcceptedError: HTTPStatus.SERVICE_UNAVAILABLE,
    StoreUnavailableError: HTTPStatus.SERVICE_UNAVAILABLE,
}
RETRY_AFTER_SECONDS = 1


def error_response(
    status: HTTPStatus, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    return Response(
        status_code=status,
        content_type="application/json",
        body={"error": code, "message": message, **extra},
        headers=headers,
    )


def _status_of(exc: FlashDealError) -> HTTPStatus:
    for cls in type(exc).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return HTTPStatus.INTERNAL_SERVER_ERROR


def _field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _non_json_body(app: APIGatewayRestResolver) -> str | None:
    """The media type of a body that is not JSON (curl's -d sends a form), else None."""
    event = app.current_event
    media_type = (event.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if event.body and media_type != "application/json" and not media_type.endswith("+json"):
        return media_type
    return None


def register_error_handlers(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(FlashDealError)
    def handle_domain_error(exc: FlashDealError) -> Response:
        status = _status_of(exc)
        retry_after = exc.retry_after_s or (RETRY_AFTER_SECONDS if status == HTTPStatus.SERVICE_UNAVAILABLE else None)
        retry = {"Retry-After": str(retry_after)} if retry_after else None
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            logger.warning("request failed", error=exc.code, cause=repr(exc.__cause__))
        if isinstance(exc, InvalidRequestError):
            return error_response(status, exc.code, str(exc), fields=[{"field": exc.field, "message": str(exc)}])
        return error_response(status, exc.code, str(exc), retry)

    @app.exception_handler(UnicodeDecodeError)
    def handle_undecodable_body(exc: UnicodeDecodeError) -> Response:
        return handle_domain_error(InvalidEncodingError("the body is not valid UTF-8", field="body"))

    @app.exception_handler(RequestValidationError)
    def handle_invalid_request(exc: RequestValidationError) -> Response:
        media_type = _non_json_body(app)
        if media_type:
            return error_response(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                f"send the body as application/json, not {media_type}",
            )
        problems = list(exc.errors())
        for problem in problems:
            if problem.get("loc", ("",))[0] == "header" and not str(problem.get("input", "")).isascii():
                name = _field_name(problem["loc"])
                return handle_domain_error(InvalidEncodingError(f"{name} must be ASCII", field=name))
        if any(p.get("type") == "json_invalid" for p in problems):
            return error_response(
                HTTPStatus.BAD_REQUEST,
                "invalid_json",
                "the body is not valid JSON",
                fields=[{"field": "body", "message": "JSON decode error"}],
            )
        fields = [{"field": _field_name(p.get("loc", ())), "message": p.get("msg", "")} for p in problems]
        names = ", ".join(f["field"] for f in fields)
        return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error", f"invalid: {names}", fields=fields)

    @app.exception_handler(RequestUnsupportedContentType)
    def handle_unsupported_media_type(exc: Exception) -> Response:
        return error_response(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            f"send the body as application/json, not {_non_json_body(app)}",
        )

    @app.exception_handler(ValueError)
    def handle_unparseable_body(exc: ValueError) -> Response:
        # Powertools parses a multipart body itself, and raises ValueError when it cannot (no boundary).
        if _non_json_body(app):
            return handle_unsupported_media_type(exc)
        return handle_unexpected(exc)

    @app.exception_handler(IdempotencyValidationError)
    def handle_reused_key(exc: IdempotencyValidationError) -> Response:
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request",
            fields=[{"field": "header.idempotency-key", "message": "already used"}],
        )

    @app.exception_handler(IdempotencyAlreadyInProgressError)
    def handle_in_flight(exc: IdempotencyAlreadyInProgressError) -> Response:
        return error_response(
            HTTPStatus.CONFLICT,
            "request_in_progress",
            "a request with this Idempotency-Key is still being processed",
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler(IdempotencyPersistenceLayerError)
    def handle_idempotency_store_down(exc: IdempotencyPersistenceLayerError) -> Response:
        # Powertools could not read or write the key's record in DynamoDB: nothing was done, retry is safe
        return handle_domain_error(StoreUnavailableError("could not check the Idempotency-Key; retry with it"))

    @app.not_found
    def handle_unknown_route(exc: Exception) -> Response:
        return error_response(HTTPStatus.NOT_FOUND, "route_not_found", "no such route")

    @app.exception_handler(Exception)
    def handle_unexpected(exc: Exception) -> Response:
        logger.exception("unexpected error")
        return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error")
