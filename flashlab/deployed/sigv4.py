"""Admin calls to a deployed API, signed with SigV4 as its AWS_IAM routes require (botocore signs)."""

from collections.abc import Generator

import boto3
import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SERVICE = "execute-api"


def sign(request: httpx.Request, credentials: Credentials, region: str, service: str = SERVICE) -> None:
    """Adds ``Authorization``, ``X-Amz-Date`` (and the session token, if any) to the request, in place."""
    aws_request = AWSRequest(
        method=request.method,
        url=str(request.url),
        data=request.content,
        headers={k: v for k, v in request.headers.items() if k.lower() in ("host", "content-type")},
    )
    SigV4Auth(credentials, service, region).add_auth(aws_request)
    for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
        if name in aws_request.headers:
            request.headers[name] = aws_request.headers[name]


class SigV4(httpx.Auth):
    """httpx auth for an ``AWS_IAM`` route, with the caller's AWS credentials (profile, env, role)."""

    requires_request_body = True

    def __init__(self, region: str, credentials: Credentials | None = None) -> None:
        found = credentials or boto3.Session().get_credentials()
        if found is None:
            raise RuntimeError("no AWS credentials found: set AWS_PROFILE or the AWS_* variables")
        self.region, self.credentials = region, found

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        sign(request, self.credentials.get_frozen_credentials(), self.region)  # type: ignore[arg-type]
        yield request
