"""The identities API Gateway would establish, stood in for on the embedded stack.

- Cognito routes: the ``X-User-Id`` header becomes the ``sub`` claim (no header: 401 UNAUTHORIZED);
- AWS_IAM routes: ``Authorization: Bearer <FLASHDEAL_ADMIN_TOKEN>`` stands in for SigV4 (none: 403
  MISSING_AUTHENTICATION_TOKEN; another: 403 INVALID_SIGNATURE);
- routes without auth (every buyer route under ``Stage=local``) reach the function as sent.
"""

from collections.abc import Callable

from flashlab.rest_api import Route

Answer = tuple[int, dict[str, str], bytes]
Refuse = Callable[[str, int, str], Answer]  # (gateway response kind, status, message) -> the gateway's answer


def authenticate(
    route: Route, headers: dict[str, str], admin_token: str, refuse: Refuse
) -> tuple[dict[str, str] | None, str | None, Answer | None]:
    """(Cognito claims, IAM caller, or the gateway's refusal)."""
    if route.auth == "cognito":
        user = headers.get("x-user-id", "").strip()
        if not user:
            return None, None, refuse("UNAUTHORIZED", 401, "Unauthorized")
        return {"sub": user, "token_use": "id"}, None, None
    if route.auth == "iam":
        token = headers.get("authorization")
        if token is None:
            return None, None, refuse("MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token")
        if token != f"Bearer {admin_token}":
            return None, None, refuse("INVALID_SIGNATURE", 403, "The request signature is not valid")
        return None, "local-admin", None
    return None, None, None
