"""`make smoke`'s flow against the embedded stack, with the local stand-ins for SigV4 and Cognito."""

from collections.abc import Generator
from uuid import uuid4

import httpx
import pytest

from flashlab.deployed.smoke import Smoke
from tests.e2e.conftest import REMOTE_URL

pytestmark = pytest.mark.skipif(bool(REMOTE_URL), reason="against a deployment, run `make smoke ENV=...`")


class LocalAdmin(httpx.Auth):
    """The embedded gateway's stand-in for SigV4 on AWS_IAM routes."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def test_the_smoke_flow_passes_on_a_healthy_stack(api):
    said: list[str] = []

    def reconcile() -> dict:
        return dict(api.client.post("/_local/invoke/ReconcilerFunction", timeout=120).json())

    smoke = Smoke(api.client, LocalAdmin(api.admin_token), {"X-User-Id": f"smoke-{uuid4()}"}, reconcile)
    seen = smoke.run(said.append)
    assert seen["order"]["status"] == "CONFIRMED"
    assert said[0].startswith("sale ")
    assert said[-1].startswith("reconciler: ")


def test_the_smoke_flow_names_the_step_that_failed(api):
    smoke = Smoke(api.client, LocalAdmin("not-the-admin-token"), {"X-User-Id": "smoke"}, dict)
    with pytest.raises(AssertionError, match=r"create a sale \(admin, signed\): 403"):
        smoke.run(lambda line: None)
