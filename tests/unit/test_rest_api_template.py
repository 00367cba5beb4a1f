"""The REST API in template.yaml: routes and their auth per stage, gateway responses, throttles, WAF, Cognito."""

import json

import pytest

from flashlab.rest_api import RestApi, gateway_answer
from flashlab.template import Template

BUYER_ROUTES = {("POST", "/sales/{sale_id}/orders"), ("GET", "/orders/{order_id}")}


def routes(stage: str) -> dict[tuple[str, str], tuple[str, str]]:
    return {(r.method, r.path): (r.function, r.auth) for r in RestApi(Template({"Stage": stage})).routes()}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_deployed_stages_put_cognito_in_front_of_buyers_and_iam_in_front_of_admins(stage):
    assert routes(stage) == {
        ("POST", "/sales"): ("SaleAdminFunction", "iam"),
        ("GET", "/sales/{sale_id}"): ("OrderApiFunction", "none"),
        ("POST", "/sales/{sale_id}/orders"): ("OrderApiFunction", "cognito"),
        ("GET", "/orders/{order_id}"): ("OrderApiFunction", "cognito"),
        ("GET", "/health"): ("OrderApiFunction", "none"),
        ("GET", "/health/ready"): ("OrderApiFunction", "none"),
        ("ANY", "/{proxy+}"): ("OrderApiFunction", "none"),
    }


def test_only_the_local_stage_deploys_buyer_routes_without_an_authorizer():
    local = routes("local")
    assert {key for key, (_, auth) in local.items() if auth == "none"} >= BUYER_ROUTES
    assert local[("POST", "/sales")] == ("SaleAdminFunction", "iam")
    template = Template({"Stage": "local"})
    schemes = RestApi(template).body["components"]["securitySchemes"]
    assert set(schemes) == {"admin"}  # no Cognito authorizer: LocalStack's free plan has none
    assert not template.of_type("AWS::Cognito::UserPool")


@pytest.mark.parametrize("stage", ["local", "dev", "prod"])
def test_the_api_function_knows_its_stage(stage):
    """The handler takes X-User-Id only when STAGE is local, and STAGE is the template's Stage."""
    api = Template({"Stage": stage}).functions()["OrderApiFunction"]
    assert api.environment["STAGE"] == stage


def test_the_user_pool_is_created_unless_one_is_given():
    created = Template({"Stage": "prod"})
    assert set(created.of_type("AWS::Cognito::UserPool")) == {"BuyerUserPool"}
    scheme = RestApi(created).body["components"]["securitySchemes"]["buyers"]
    assert scheme["x-amazon-apigateway-authorizer"]["providerARNs"] == ["BuyerUserPool.Arn"]
    existing = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc"
    given = Template({"Stage": "prod", "BuyerUserPoolArn": existing})
    assert not given.of_type("AWS::Cognito::UserPool")
    scheme = RestApi(given).body["components"]["securitySchemes"]["buyers"]
    assert scheme["x-amazon-apigateway-authorizer"]["providerARNs"] == [existing]


@pytest.mark.parametrize(
    ("kind", "status"),
    [("UNAUTHORIZED", 401), ("ACCESS_DENIED", 403), ("MISSING_AUTHENTICATION_TOKEN", 403), ("THROTTLED", 429)],
)
def test_the_gateways_own_errors_have_our_shape(kind, status):
    responses = RestApi(Template()).gateway_responses()
    answered, headers, body = gateway_answer(responses, kind, status, "Gateway said no", "req-1")
    assert answered == status
    assert headers["content-type"] == "application/json"
    parsed = json.loads(body)
    assert parsed["message"] == "Gateway said no"
    assert parsed["request_id"] == "req-1"
    assert parsed["error"] in {"unauthorized", "forbidden", "throttled"}


@pytest.mark.parametrize(("status", "code"), [(413, "bad_request"), (502, "gateway_error"), (504, "gateway_error")])
def test_every_other_gateway_error_falls_back_to_a_shaped_default(status, code):
    responses = RestApi(Template()).gateway_responses()
    answered, _, body = gateway_answer(responses, "INTEGRATION_TIMEOUT", status, 'quote " inside', "r")
    assert (answered, json.loads(body)["error"], json.loads(body)["message"]) == (status, code, 'quote " inside')


def test_a_throttled_client_is_told_when_to_retry():
    responses = RestApi(Template()).gateway_responses()
    assert responses["THROTTLED"].headers == {"Retry-After": "1"}


def test_methods_are_throttled_by_parameters():
    raw = Template().doc["Resources"]["RestApi"]["Properties"]["MethodSettings"]
    refs = {(s["ResourcePath"], s["HttpMethod"]): (s["ThrottlingRateLimit"], s["ThrottlingBurstLimit"]) for s in raw}
    assert refs == {
        ("/*", "*"): ({"Ref": "ApiThrottlingRateLimit"}, {"Ref": "ApiThrottlingBurstLimit"}),
        ("/~1sales~1{sale_id}~1orders", "POST"): (
            {"Ref": "OrderThrottlingRateLimit"},
            {"Ref": "OrderThrottlingBurstLimit"},
        ),
        ("/~1orders~1{order_id}", "GET"): ({"Ref": "StatusThrottlingRateLimit"}, {"Ref": "StatusThrottlingBurstLimit"}),
    }
    api = RestApi(Template())
    _, per_method = api.throttles()
    assert set(per_method) <= {(r.path, r.method) for r in api.routes()}  # each names a real method


def test_the_web_acl_exists_only_when_asked_for_and_guards_the_stage():
    assert not Template().of_type("AWS::WAFv2::WebACL")
    template = Template({"WafRequestsPerClient": 100})
    [acl] = template.of_type("AWS::WAFv2::WebACL").values()
    limits = {rule["Name"]: rule["Statement"]["RateBasedStatement"]["Limit"] for rule in acl["Rules"]}
    assert limits == {"per-buyer-token": 100, "per-ip-without-token": 100}
    for rule in acl["Rules"]:
        block = rule["Action"]["Block"]["CustomResponse"]
        assert block["ResponseCode"] == 429
        body = acl["CustomResponseBodies"][block["CustomResponseBodyKey"]]
        assert json.loads(body["Content"])["error"] == "rate_limited"
    [association] = template.of_type("AWS::WAFv2::WebACLAssociation").values()
    assert "/restapis/${RestApi}/stages/${RestApi.Stage}" in association["ResourceArn"]


def test_api_gateway_may_invoke_every_function_an_integration_names():
    template = Template()
    permitted = {p["FunctionName"] for p in template.of_type("AWS::Lambda::Permission").values()}
    assert {route.function for route in RestApi(template).routes()} == permitted
