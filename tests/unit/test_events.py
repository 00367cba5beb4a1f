"""events/ holds one canonical event per trigger; the local stack's event builder must produce the same shape."""

import pytest

from flashdeal.orders import OrderMessage
from flashlab.events import http_event, load_event
from flashlab.routing import Router
from flashlab.template import Template

HTTP_EVENTS = ["create_sale", "get_sale", "place_order", "get_order", "health"]


def shape(value):
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items() if k not in ("headers", "pathParameters", "body", "claims")}
    return type(value).__name__


@pytest.fixture(scope="module")
def router() -> Router:
    return Router([r for f in Template().functions().values() for r in f.routes])


@pytest.mark.parametrize("name", HTTP_EVENTS)
def test_each_http_event_matches_a_template_route(router, name):
    event = load_event(name)
    match = router.match(event["requestContext"]["http"]["method"], event["rawPath"])
    assert match is not None
    assert f"{match.route.method} {match.route.path}" == event["routeKey"]
    assert match.path_parameters == event.get("pathParameters", {})


@pytest.mark.parametrize("name", HTTP_EVENTS)
def test_the_builder_makes_the_same_shape(name):
    canonical = load_event(name)
    ctx = canonical["requestContext"]
    built = http_event(
        ctx["http"]["method"],
        canonical["routeKey"].split(" ", 1)[1],
        canonical["rawPath"],
        path_parameters=canonical.get("pathParameters"),
        body=canonical.get("body"),
        headers=canonical["headers"],
        claims=ctx.get("authorizer", {}).get("jwt", {}).get("claims"),
        iam_user=ctx.get("authorizer", {}).get("iam", {}).get("userId"),
    )
    assert shape(built) == shape(canonical)


def test_the_sqs_event_carries_an_order_message():
    [record] = load_event("sqs_orders")["Records"]
    assert record["eventSource"] == "aws:sqs"
    OrderMessage.model_validate_json(record["body"])


def test_router_ignores_a_trailing_slash_and_refuses_unknown_paths(router):
    assert router.match("GET", "/health/") is not None
    assert router.match("GET", "/nope") is None
    assert router.match("DELETE", "/health") is None
    assert router.allows_path("/health")
