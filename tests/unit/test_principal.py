"""The buyer comes from the Cognito authorizer; X-User-Id counts only when the function's stage is local."""

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from flashdeal.errors import UnauthenticatedError
from flashdeal.principal import buyer_id
from flashdeal.settings import OrderApiSettings
from flashlab.events import rest_event

API_ENV = {"SALES_TABLE": "s", "IDEMPOTENCY_TABLE": "i", "ORDERS_QUEUE_URL": "q"}


def event(claims=None, header=None) -> APIGatewayProxyEvent:
    headers = {"X-User-Id": header} if header else {}
    return APIGatewayProxyEvent(rest_event("GET", "/orders/{order_id}", "/orders/o", headers=headers, claims=claims))


def settings_for(stage: str, monkeypatch: pytest.MonkeyPatch) -> OrderApiSettings:
    for key, value in {**API_ENV, "STAGE": stage}.items():
        monkeypatch.setenv(key, value)
    return OrderApiSettings()


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_deployed_stages_never_read_the_header(stage, monkeypatch):
    settings = settings_for(stage, monkeypatch)
    assert not settings.local_identity
    with pytest.raises(UnauthenticatedError):
        buyer_id(event(header="mallory"), settings.local_identity)
    assert buyer_id(event(claims={"sub": "alice"}, header="mallory"), settings.local_identity) == "alice"


def test_the_local_stage_takes_the_header_and_still_prefers_claims(monkeypatch):
    settings = settings_for("local", monkeypatch)
    assert buyer_id(event(header="bob"), settings.local_identity) == "bob"
    assert buyer_id(event(claims={"sub": "alice"}, header="bob"), settings.local_identity) == "alice"
    with pytest.raises(UnauthenticatedError):
        buyer_id(event(header="  "), settings.local_identity)


def test_an_unknown_stage_fails_at_cold_start(monkeypatch):
    with pytest.raises(ValueError, match="STAGE"):
        settings_for("staging", monkeypatch)
