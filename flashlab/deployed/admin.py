"""Admin calls to a deployed stack, SigV4-signed with your AWS credentials (the route is AWS_IAM).

    python -m flashlab.deployed.admin create-sale --url API_URL --inventory 100 [--shards 8] [--region R]

prints the new sale's id (scripts/run-load uses it before Artillery starts, with LOAD_ENV=aws).
"""

import argparse
import sys
from typing import Any
from uuid import uuid4

import httpx

from flashlab.deployed.sigv4 import SigV4


def create_sale(api: httpx.Client, auth: httpx.Auth, sale: dict[str, Any]) -> httpx.Response:
    """``POST /sales`` with a fresh Idempotency-Key."""
    return api.post("/sales", json=sale, headers={"Idempotency-Key": f"admin-{uuid4()}"}, auth=auth)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flashlab.deployed.admin", description=__doc__)
    parser.add_argument("command", choices=["create-sale"])
    parser.add_argument("--url", required=True, help="the stack's ApiUrl output")
    parser.add_argument("--inventory", type=int, default=100)
    parser.add_argument("--shards", type=int)
    parser.add_argument("--name", default="load test")
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)
    sale = {"name": args.name, "inventory": args.inventory} | ({"shards": args.shards} if args.shards else {})
    with httpx.Client(base_url=args.url.rstrip("/"), timeout=30) as api:
        answer = create_sale(api, SigV4(args.region), sale)
    if answer.status_code != 201:
        print(f"POST /sales answered {answer.status_code}: {answer.text[:500]}", file=sys.stderr)
        return 1
    print(answer.json()["sale_id"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
