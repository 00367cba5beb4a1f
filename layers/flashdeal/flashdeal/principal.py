"""The buyer is the authenticated principal: the JWT authorizer's ``sub`` claim, never a header."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from flashdeal.errors import UnauthenticatedError


def buyer_id(event: APIGatewayProxyEventV2) -> str:
    authorizer = event.request_context.authorizer
    sub = authorizer.jwt_claim.get("sub") if authorizer and authorizer.jwt_claim else None
    if not sub:
        raise UnauthenticatedError("a signed-in buyer is required")
    return str(sub)
