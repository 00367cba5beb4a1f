"""``make smoke ENV=dev``: a short, bounded check after a deploy. Create a sale (SigV4), buy one unit as a
test buyer (a Cognito ID token), wait for the order to settle, run the reconciler once.

The flow takes its credentials as arguments, so the e2e tier runs the same flow against the embedded
stack with the local stand-ins (tests/e2e/test_smoke.py).
"""

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx

from flashlab.deployed.admin import create_sale

SETTLE_WITHIN_S = 30.0


@dataclass(frozen=True)
class Smoke:
    api: httpx.Client
    admin_auth: httpx.Auth
    buyer_headers: dict[str, str]
    reconcile: Callable[[], dict[str, Any]]

    def run(self, say: Callable[[str], None] = print) -> dict[str, Any]:
        """What each step saw; raises AssertionError at the first step that went wrong."""
        sale = {"name": f"smoke {uuid4().hex[:6]}", "inventory": 2}
        created = self._expect(create_sale(self.api, self.admin_auth, sale), 201, "create a sale (admin, signed)")
        say(f"sale {created['sale_id']} created")
        accepted = self._expect(
            self.api.post(
                f"/sales/{created['sale_id']}/orders",
                json={"quantity": 1},
                headers={**self.buyer_headers, "Idempotency-Key": f"smoke-{uuid4()}"},
            ),
            202,
            "buy one unit (buyer)",
        )
        say(f"order {accepted['order_id']} accepted")
        settled = self._wait_until_final(accepted["status_url"])
        assert settled["status"] == "CONFIRMED", f"the order settled {settled['status']}: {settled}"
        say(f"order CONFIRMED after {settled['waited_s']:.1f} s")
        reconciled = self.reconcile()
        assert not reconciled.get("stock_mismatches"), f"the reconciler found stock mismatches: {reconciled}"
        say(f"reconciler: {reconciled}")
        return {"sale": created, "order": settled, "reconciled": reconciled}

    def _wait_until_final(self, status_url: str) -> dict[str, Any]:
        started = time.monotonic()
        while time.monotonic() - started < SETTLE_WITHIN_S:
            seen = self._expect(self.api.get(status_url, headers=self.buyer_headers), 200, "read the order")
            if seen["status"] != "PENDING":
                return seen | {"waited_s": time.monotonic() - started}
            time.sleep(0.5)
        raise AssertionError(f"the order was still PENDING after {SETTLE_WITHIN_S:.0f} s")

    @staticmethod
    def _expect(answer: httpx.Response, status: int, step: str) -> dict[str, Any]:
        assert answer.status_code == status, f"{step}: {answer.status_code} {answer.text[:500]}"
        return dict(answer.json())


def main(argv: list[str] | None = None) -> int:
    import boto3

    from flashlab.deployed.buyers import sign_up_buyers
    from flashlab.deployed.sigv4 import SigV4
    from flashlab.deployed.stack import stack_of

    parser = argparse.ArgumentParser(prog="make smoke", description=__doc__)
    parser.add_argument("--env", required=True, help="samconfig.toml environment (dev, prod)")
    args = parser.parse_args(argv)
    stack = stack_of(args.env)
    cognito = boto3.client("cognito-idp", region_name=stack.region)
    (buyer,) = sign_up_buyers(
        cognito, stack.output("BuyerUserPoolId"), stack.output("BuyerUserPoolClientId"), 1, "smoke-buyer"
    )
    function = stack.output("ReconcilerFunctionName")

    def reconcile() -> dict[str, Any]:
        answer = boto3.client("lambda", region_name=stack.region).invoke(FunctionName=function, Payload=b"{}")
        return dict(json.loads(answer["Payload"].read()))

    with httpx.Client(base_url=stack.output("ApiUrl").rstrip("/"), timeout=30) as api:
        smoke = Smoke(api, SigV4(stack.region), {"Authorization": buyer.id_token}, reconcile)
        try:
            smoke.run()
        except AssertionError as failure:
            print(f"SMOKE FAILED: {failure}", file=sys.stderr)
            return 1
    print(f"smoke passed on {stack.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
