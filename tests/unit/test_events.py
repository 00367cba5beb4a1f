"""events/ holds one canonical event per trigger; the local stack's event builder must produce the same shape."""

import pytest

from flashdeal.orders import OrderMessage
from flashlab.events import load_event, rest_event
from flashlab.rest_api import RestApi
from flashlab.routing import Router
from flashlab.template import Template

HTTP_EVENTS = ["create_sale", "get_sale", "place_order", "get_order", "health"]


def shape(value):
    if isinstance(value, dict):
        skip = ("headers", "multiValueHeaders", "pathParameters", "body", "claims")
        return {k: shape(v) for k, v in value.items() if k not in skip}
    return type(value).__name__


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(RestApi(Template()).routes())


@pytest.mark.parametrize("name", HTTP_EVENTS)
def test_each_http_event_matches_a_template_route(router, name):
    event = load_event(name)
    match = router.match(event["httpMethod"], event["path"])
    assert match is not None
    assert match.route is not None
    assert match.route.path == event["resource"] == event["requestContext"]["resourcePath"]
    assert match.path_parameters == (event["pathParameters"] or {})


@pytest.mark.parametrize("name", HTTP_EVENTS)
def test_the_builder_makes_the_same_shape(name):
    canonical = load_event(name)
    ctx = canonical["requestContext"]
    built = rest_event(
        canonical["httpMethod"],
        canonical["resource"],
        canonical["path"],
        stage=ctx["stage"],
        path_parameters=canonical["pathParameters"],
        body=canonical["body"],
        headers=canonical["headers"],
        claims=ctx.get("authorizer", {}).get("claims"),
        iam_user=ctx["identity"]["user"],
    )
    assert shape(built) == shape(canonical)


def test_the_sqs_event_carries_an_order_message():
    [record] = load_event("sqs_orders")["Records"]
    assert record["eventSource"] == "aws:sqs"
    OrderMessage.model_validate_json(record["body"])


def test_the_most_specific_resource_wins_and_unknown_paths_reach_the_catch_all(router):
    assert router.match("GET", "/health/").route.path == "/health"
    assert router.match("POST", "/sales/s1/orders").route.path == "/sales/{sale_id}/orders"
    unknown = router.match("GET", "/no/such/route")
    assert (unknown.route.path, unknown.path_parameters) == ("/{proxy+}", {"proxy": "no/such/route"})


def test_a_known_resource_without_the_method_is_the_gateways_own_answer(router):
    match = router.match("DELETE", "/health")
    assert match is not None
    assert match.route is None  # API Gateway's 403, not a fall-through to /{proxy+}
