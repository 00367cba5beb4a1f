"""e2e tier: everything over HTTP.

Against ``FLASHDEAL_API_URL`` when it is set (LocalStack via ``make e2e-localstack``, or a deployed stack);
otherwise the embedded stack, started here. Tests name buyers with ``X-User-Id`` and admins with a bearer
token, the embedded gateway's stand-ins. Against a deployment with real auth, set
``FLASHDEAL_BUYER_TOKENS`` to the CSV ``make load-users ENV=...`` wrote: each buyer name then gets its own
Cognito ID token, and admin calls are SigV4-signed with your AWS credentials (``AWS_REGION``, default
us-east-1).
Lambda-semantics tests need the embedded stack's counters and start their own, configured stacks.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from flashlab.deployed.buyers import read_tokens
from flashlab.deployed.identities import DeployedIdentities
from flashlab.deployed.sigv4 import SigV4
from flashlab.stack_process import RunningStack, start_stack
from tests.factories import a_sale, admin_headers

REMOTE_URL = os.environ.get("FLASHDEAL_API_URL")


@dataclass
class Api:
    url: str
    admin_token: str
    database_url: str | None
    client: httpx.Client
    iam_unenforced: bool = False  # LocalStack's free plan accepts any admin call (see localstack/e2e.sh)

    def create_sale(self, **overrides: Any) -> dict[str, Any]:
        answer = self.client.post("/sales", json=a_sale(**overrides), headers=admin_headers(self.admin_token))
        assert answer.status_code == 201, answer.text
        return answer.json()

    def order(
        self, sale_id: str, user: str | None = None, key: str | None = None, quantity: int = 1, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Idempotency-Key": key or f"k-{uuid4()}", "X-User-Id": user or f"u-{uuid4()}"}
        return self.client.post(f"/sales/{sale_id}/orders", json={"quantity": quantity}, headers=headers, **kwargs)


@pytest.fixture(scope="session")
def api() -> Iterator[Api]:
    if REMOTE_URL:
        tokens = os.environ.get("FLASHDEAL_BUYER_TOKENS")
        auth = (
            DeployedIdentities(read_tokens(Path(tokens)), SigV4(os.environ.get("AWS_REGION", "us-east-1")))
            if tokens
            else None
        )
        with httpx.Client(base_url=REMOTE_URL, timeout=30, auth=auth) as client:
            token = os.environ.get("FLASHDEAL_ADMIN_TOKEN", "local-admin")
            yield Api(REMOTE_URL, token, None, client, os.environ.get("FLASHDEAL_IAM_UNENFORCED") == "1")
        return
    stack = start_stack("--visibility-timeout", "5")
    try:
        with httpx.Client(base_url=stack.api_url, timeout=30) as client:
            yield Api(stack.api_url, stack.admin_token, stack.database_url, client)
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def lab_stack(request: pytest.FixtureRequest) -> Iterator[RunningStack]:
    """An embedded stack started with the module's ``STACK_ARGS``; skipped against a remote URL."""
    if REMOTE_URL:
        pytest.skip("Lambda-semantics tests read the embedded stack's own counters")
    stack = start_stack(*getattr(request.module, "STACK_ARGS", ()))
    yield stack
    stack.stop()
