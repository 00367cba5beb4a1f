"""The template's REST API, as the local gateway needs it: routes and their auth, method throttles, and
the gateway responses API Gateway answers with on its own (401, 403, 429, 5xx).

All of it is read from the ``AWS::Serverless::Api`` resource's OpenAPI body and ``MethodSettings``, with
the template's Conditions applied, so a ``Stage=local`` deployment has the routes LocalStack would have.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from flashlab.template import Template

_FUNCTION_IN_URI = re.compile(r"\$\{(\w+)\.Arn\}")
_AUTH_TYPES = {"awsSigv4": "iam", "cognito_user_pools": "cognito"}
ANY = "ANY"


@dataclass(frozen=True)
class Route:
    method: str  # an HTTP method, or ANY
    path: str  # as API Gateway writes it: /sales/{sale_id}, /{proxy+}
    function: str  # the logical id of the integration's function
    auth: str  # "cognito", "iam" or "none"


@dataclass(frozen=True)
class Throttle:
    rate: float
    burst: int


@dataclass(frozen=True)
class GatewayResponse:
    status: int | None  # None: the status of the error itself (DEFAULT_4XX, DEFAULT_5XX)
    headers: dict[str, str]
    template: str  # application/json mapping template with $context variables


class RestApi:
    def __init__(self, template: Template) -> None:
        [props] = template.of_type("AWS::Serverless::Api").values()
        self.stage = str(props["StageName"])
        self.name = str(props["Name"])  # ApiName, the dimension of API Gateway's metrics
        self.body: dict[str, Any] = props["DefinitionBody"]
        self.method_settings: list[dict[str, Any]] = props.get("MethodSettings", [])

    def routes(self) -> list[Route]:
        schemes = self.body.get("components", {}).get("securitySchemes", {})
        routes = []
        for path, methods in self.body["paths"].items():
            for method, operation in methods.items():
                uri = str(operation["x-amazon-apigateway-integration"]["uri"])
                found = _FUNCTION_IN_URI.search(uri)
                if found is None:
                    raise ValueError(f"{method} {path}: the integration names no function ({uri})")
                names = [name for requirement in operation.get("security", []) for name in requirement]
                auth = _AUTH_TYPES[schemes[names[0]]["x-amazon-apigateway-authtype"]] if names else "none"
                verb = ANY if method == "x-amazon-apigateway-any-method" else method.upper()
                routes.append(Route(verb, path, found[1], auth))
        return routes

    def throttles(self) -> tuple[Throttle, dict[tuple[str, str], Throttle]]:
        """(the stage's default, {(path, METHOD): the method's own}), from MethodSettings."""
        default, per_method = None, {}
        for setting in self.method_settings:
            throttle = Throttle(float(setting["ThrottlingRateLimit"]), int(setting["ThrottlingBurstLimit"]))
            if (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*"):
                default = throttle
            else:
                # "/~1sales~1{sale_id}" is "/sales/{sale_id}": a leading slash, then each "/" written as ~1
                path = setting["ResourcePath"].removeprefix("/").replace("~1", "/")
                per_method[(path, setting["HttpMethod"])] = throttle
        if default is None:
            raise ValueError("MethodSettings has no /* * entry: the stage's default throttle")
        return default, per_method

    def gateway_responses(self) -> dict[str, GatewayResponse]:
        responses = {}
        for kind, spec in self.body.get("x-amazon-apigateway-gateway-responses", {}).items():
            headers = {
                name.removeprefix("gatewayresponse.header."): value.strip("'")
                for name, value in spec.get("responseParameters", {}).items()
            }
            status = int(spec["statusCode"]) if "statusCode" in spec else None
            responses[kind] = GatewayResponse(status, headers, spec["responseTemplates"]["application/json"])
        return responses


def gateway_answer(
    responses: dict[str, GatewayResponse], kind: str, status: int, message: str, request_id: str
) -> tuple[int, dict[str, str], bytes]:
    """What API Gateway answers for an error of its own (``kind``: UNAUTHORIZED, THROTTLED, ...): the
    configured gateway response, else the DEFAULT_4XX/5XX one, else its built-in ``{"message": ...}``."""
    response = responses.get(kind) or responses.get("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX")
    headers = {"content-type": "application/json"}
    if response is None:
        return status, headers, json.dumps({"message": message}).encode()
    body = (
        response.template.replace("$context.error.messageString", json.dumps(message))
        .replace("$context.error.responseType", kind)
        .replace("$context.requestId", request_id)
    )
    return response.status or status, headers | response.headers, body.encode()
