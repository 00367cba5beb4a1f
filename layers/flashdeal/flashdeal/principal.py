"""The buyer is the authenticated principal: the Cognito authorizer's ``sub`` claim.

The one exception is ``Stage=local`` (LocalStack's free plan and ``sam local``, which have no Cognito
authorizer): there, and only there, the ``X-User-Id`` header names the buyer. The stage comes from the
function's validated settings, so a dev or prod function never reads the header.
"""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from flashdeal.errors import UnauthenticatedError

LOCAL_IDENTITY_HEADER = "X-User-Id"


def buyer_id(event: APIGatewayProxyEvent, local_identity: bool) -> str:
    claims = event.request_context.authorizer.claims or {}
    sub = str(claims.get("sub") or "").strip()
    if not sub and local_identity:
        sub = str(event.headers.get(LOCAL_IDENTITY_HEADER) or "").strip()  # headers are case-insensitive
    if not sub:
        raise UnauthenticatedError("a signed-in buyer is required")
    return sub
