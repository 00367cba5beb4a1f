import json

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from flashdeal import errors
from flashdeal.http_errors import register_error_handlers
from flashlab.events import response_headers, rest_event
from flashlab.lambda_context import LocalLambdaContext


def answer_when_raising(exc: Exception) -> tuple[int, dict, dict]:
    app = APIGatewayRestResolver()
    register_error_handlers(app)

    @app.get("/boom")
    def boom():
        raise exc

    response = app.resolve(rest_event("GET", "/boom", "/boom"), LocalLambdaContext("test", 3))
    return response["statusCode"], response_headers(response), json.loads(response["body"])


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (errors.SaleNotFoundError("x"), 404, "sale_not_found"),
        (errors.OrderNotFoundError("x"), 404, "order_not_found"),
        (errors.SaleNotActiveError("x"), 409, "sale_not_active"),
        (errors.SoldOutError("x"), 409, "sold_out"),
        (errors.PurchaseLimitReachedError("x"), 409, "purchase_limit_reached"),
        (errors.SaleFullyClaimedError("x"), 409, "fully_claimed"),
        (errors.BuyerRateLimitedError("x", retry_after_s=7), 429, "buyer_rate_limited"),
        (errors.UnauthenticatedError("x"), 401, "unauthorized"),
        (errors.OrderNotAcceptedError("x"), 503, "order_not_accepted"),
        (errors.StoreUnavailableError("x"), 503, "service_unavailable"),
        (IdempotencyValidationError("x"), 422, "idempotency_key_reused"),
        (IdempotencyAlreadyInProgressError("x"), 409, "request_in_progress"),
        (RuntimeError("secret detail"), 500, "internal_error"),
    ],
)
def test_each_error_has_its_status_and_code(exc, status, code):
    got_status, _, body = answer_when_raising(exc)
    assert (got_status, body["error"]) == (status, code)
    assert "secret detail" not in body["message"]


def test_a_subclass_inherits_its_parents_status():
    class SoldOutEverywhereError(errors.SoldOutError):
        pass

    assert answer_when_raising(SoldOutEverywhereError("x"))[0] == 409


@pytest.mark.parametrize("exc", [IdempotencyAlreadyInProgressError("x"), errors.StoreUnavailableError("x")])
def test_retryable_answers_say_when_to_retry(exc):
    _, headers, _ = answer_when_raising(exc)
    assert headers["Retry-After"] == "1"


def test_every_domain_error_with_an_http_meaning_is_in_the_table():
    from flashdeal.http_errors import ERROR_STATUS

    internal = {
        errors.FlashDealError,
        errors.InvalidOrderMessageError,
        errors.OrderAlreadySettledError,
        errors.InventoryContentionError,
    }
    declared = {
        cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.FlashDealError)
    }
    assert declared - internal == set(ERROR_STATUS)


@pytest.mark.parametrize(
    ("exc", "retry_after"),
    [(errors.SaleFullyClaimedError("x"), "2"), (errors.BuyerRateLimitedError("x", retry_after_s=17), "17")],
)
def test_shed_answers_say_when_to_look_again(exc, retry_after):
    _, headers, _ = answer_when_raising(exc)
    assert headers["Retry-After"] == retry_after


def test_refusals_that_will_not_change_have_no_retry_after():
    _, headers, _ = answer_when_raising(errors.SoldOutError("x"))
    assert "Retry-After" not in headers
