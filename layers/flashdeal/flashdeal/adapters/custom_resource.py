"""CloudFormation's side of a custom resource: the answer goes to the request's pre-signed S3 URL.

CloudFormation waits for that PUT (up to an hour) whatever the function does, so every path must answer.
"""

import json
import urllib.request
from typing import Any, Literal

Status = Literal["SUCCESS", "FAILED"]
_REASON_LIMIT = 3_000  # CloudFormation's response body is at most 4,096 bytes


def answer(event: dict[str, Any], status: Status, physical_id: str, reason: str = "", data: Any = None) -> None:
    body = {
        "Status": status,
        "Reason": reason[:_REASON_LIMIT],
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": data or {},
    }
    request = urllib.request.Request(
        event["ResponseURL"],
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"Content-Type": ""},  # the pre-signed URL was signed without one
    )
    # If this fails there is no one left to tell: the error ends the invocation and reaches its log.
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
