"""The e2e tier's identities against a deployment with real auth.

Tests name buyers with ``X-User-Id`` (the embedded gateway's stand-in for a Cognito token) and admins with
``Authorization: Bearer <admin token>`` (its stand-in for SigV4). ``DeployedIdentities`` turns each into the
real thing on the way out: every distinct buyer name gets its own ID token from ``make load-users``, in
order of first use, and admin calls are SigV4-signed.
"""

from collections.abc import Generator

import httpx

from flashlab.deployed.buyers import Buyer


class DeployedIdentities(httpx.Auth):
    requires_request_body = True  # SigV4 signs the body

    def __init__(self, buyers: list[Buyer], admin: httpx.Auth) -> None:
        self._unused = list(reversed(buyers))
        self._tokens: dict[str, str] = {}
        self._admin = admin

    def token_for(self, user: str) -> str:
        if user not in self._tokens:
            if not self._unused:
                raise RuntimeError(f"more buyers than tokens ({len(self._tokens)}): make load-users ENV=... N=<more>")
            self._tokens[user] = self._unused.pop().id_token
        return self._tokens[user]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        user = request.headers.pop("X-User-Id", None)
        if user is not None:
            request.headers["Authorization"] = self.token_for(user)
            yield request
        elif request.headers.get("Authorization", "").startswith("Bearer "):
            del request.headers["Authorization"]
            yield from self._admin.auth_flow(request)
        else:
            yield request
