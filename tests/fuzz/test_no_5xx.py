"""Every route, fed what the OpenAPI document allows and what it does not: never a 5xx, always JSON.

Bounded: FUZZ_EXAMPLES examples per operation (default 60), so it fits in `make test`.
"""

import os

import schemathesis
from hypothesis import HealthCheck, settings

from flashlab.openapi import DOCUMENT
from tests.fuzz.conftest import STATUSES

schema = schemathesis.openapi.from_path(str(DOCUMENT))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
# The embedded gateway's stand-ins for Cognito (X-User-Id) and SigV4 (the admin token).
AUTH = {"X-User-Id": "fuzz-buyer", "Authorization": f"Bearer {os.environ.get('FLASHDEAL_ADMIN_TOKEN', 'local-admin')}"}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_input_gets_a_5xx(case, api_url):
    headers = {**AUTH, **(case.headers or {})}
    response = case.call(base_url=api_url, headers=headers, timeout=30)
    STATUSES[f"{case.method} {case.path} {response.status_code}"] += 1
    assert response.status_code < 500, response.text
    [content_type] = response.headers["content-type"]
    assert content_type.startswith("application/json"), response.text
    response.json()
