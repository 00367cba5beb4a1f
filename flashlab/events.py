"""Lambda events, shaped as AWS sends them: API Gateway REST API proxy events (v1) and SQS batches.

The canonical examples in events/ have the same shape; the tests check that they agree.
"""

import base64
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from flashlab import REPO_ROOT

EVENTS_DIR = REPO_ROOT / "events"
REGION = "us-east-1"
ACCOUNT = "123456789012"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS_DIR / f"{name}.json").read_text())


def rest_event(
    method: str,
    resource: str,
    path: str,
    *,
    stage: str = "dev",
    path_parameters: dict[str, str] | None = None,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    claims: dict[str, str] | None = None,
    iam_user: str | None = None,
    query: str = "",
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """A REST API Lambda proxy event. ``claims`` are a Cognito authorizer's; ``iam_user`` a SigV4 caller's."""
    headers = dict(headers or {})
    text: str | None
    if isinstance(body, bytes):
        try:
            text, encoded = body.decode(), False
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode(), True
    else:
        text, encoded = body, False
    pairs = parse_qsl(query, keep_blank_values=True)
    multi_query: dict[str, list[str]] = {}
    for key, value in pairs:
        multi_query.setdefault(key, []).append(value)
    now = time.time()
    request_id = str(uuid.uuid4())
    lower = {k.lower(): v for k, v in headers.items()}
    identity: dict[str, Any] = {
        "sourceIp": source_ip,
        "userAgent": lower.get("user-agent", ""),
        "accountId": None,
        "caller": None,
        "user": None,
        "userArn": None,
        "accessKey": None,
        "cognitoIdentityPoolId": None,
        "cognitoIdentityId": None,
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
    }
    if iam_user is not None:
        identity |= {
            "accountId": ACCOUNT,
            "caller": iam_user,
            "user": iam_user,
            "userArn": f"arn:aws:iam::{ACCOUNT}:user/{iam_user}",
            "accessKey": "AKIALOCALADMIN",
        }
    context: dict[str, Any] = {
        "accountId": ACCOUNT,
        "apiId": "local",
        "domainName": lower.get("host", "127.0.0.1"),
        "domainPrefix": "local",
        "extendedRequestId": request_id,
        "httpMethod": method,
        "identity": identity,
        "path": f"/{stage}{path}",
        "protocol": "HTTP/1.1",
        "requestId": request_id,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "requestTimeEpoch": int(now * 1000),
        "resourceId": "local",
        "resourcePath": resource,
        "stage": stage,
    }
    if claims is not None:
        context["authorizer"] = {"claims": claims}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers or None,
        "multiValueHeaders": {k: [v] for k, v in headers.items()} or None,
        "queryStringParameters": dict(pairs) or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": context,
        "body": text,
        "isBase64Encoded": encoded,
    }


def response_headers(answer: dict[str, Any]) -> dict[str, str]:
    """A Lambda proxy response's headers, whether it set ``headers``, ``multiValueHeaders`` or both."""
    headers = {k: str(v) for k, v in (answer.get("headers") or {}).items()}
    for name, values in (answer.get("multiValueHeaders") or {}).items():
        headers[name] = ", ".join(map(str, values))
    return headers


def sqs_record(
    body: str,
    queue_arn: str,
    *,
    message_id: str | None = None,
    receive_count: int = 1,
    receipt_handle: str | None = None,
    sent_at_ms: int | None = None,
    attributes: dict[str, str] | None = None,
    md5_of_body: str = "",
) -> dict[str, Any]:
    """One record of an SQS event; ``attributes`` are a received message's own, when there is one."""
    message_id = message_id or str(uuid.uuid4())
    sent = sent_at_ms or int(time.time() * 1000)
    return {
        "messageId": message_id,
        "receiptHandle": receipt_handle or message_id,
        "body": body,
        "attributes": attributes
        or {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": str(sent),
            "SenderId": ACCOUNT,
            "ApproximateFirstReceiveTimestamp": str(sent),
        },
        "messageAttributes": {},
        "md5OfBody": md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def sqs_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": records}


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
