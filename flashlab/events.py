"""Lambda events, shaped as AWS sends them: API Gateway HTTP API (payload 2.0) and SQS batches.

The canonical examples in events/ have the same shape; the tests check that they agree.
"""

import base64
import json
import time
import uuid
from typing import Any

from flashlab import REPO_ROOT

EVENTS_DIR = REPO_ROOT / "events"
REGION = "us-east-1"
ACCOUNT = "123456789012"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS_DIR / f"{name}.json").read_text())


def http_event(
    method: str,
    route_path: str,
    raw_path: str,
    *,
    path_parameters: dict[str, str] | None = None,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    claims: dict[str, str] | None = None,
    iam_user: str | None = None,
    query: str = "",
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    text: str | None
    if isinstance(body, bytes):
        try:
            text, encoded = body.decode(), False
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode(), True
    else:
        text, encoded = body, False
    now = time.time()
    context: dict[str, Any] = {
        "accountId": ACCOUNT,
        "apiId": "local",
        "domainName": headers.get("host", "127.0.0.1"),
        "domainPrefix": "local",
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": f"{method} {route_path}",
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    elif iam_user is not None:
        context["authorizer"] = {
            "iam": {
                "accountId": ACCOUNT,
                "userArn": f"arn:aws:iam::{ACCOUNT}:user/{iam_user}",
                "userId": iam_user,
                "callerId": iam_user,
            }
        }
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": context["routeKey"],
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": encoded,
    }
    if text is not None:
        event["body"] = text
    if path_parameters:
        event["pathParameters"] = path_parameters
    return event


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
