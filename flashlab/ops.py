"""Operator commands: ``make reconcile`` and ``make redrive``, against the embedded stack or AWS.

python -m flashlab.ops reconcile [--api URL | --function-name NAME]
python -m flashlab.ops redrive   [--api URL | --dlq-url URL --queue-url URL]

Against the embedded stack (``make local``, default http://127.0.0.1:3000) the reconciler runs as the
template's ReconcilerFunction, and the queues are found through the stack's ``/_local/stats``. Against
AWS, pass the names from the stack's outputs (ReconcilerFunctionName, OrdersDlqUrl, OrdersQueueUrl).
"""

import argparse
import json
import os
import sys
from typing import Any

import boto3
import httpx

from flashdeal.adapters.dead_letters import move_back
from flashlab.moto import LOCAL_AWS_ENV, local_client

DEFAULT_API = "http://127.0.0.1:3000"


def reconcile(args: argparse.Namespace) -> dict[str, Any]:
    if args.function_name:
        answer = boto3.client("lambda").invoke(FunctionName=args.function_name, Payload=b"{}")
        return dict(json.loads(answer["Payload"].read()))
    response = _local(args.api, "post", "/_local/invoke/ReconcilerFunction", timeout=120)
    return dict(response.json())


def redrive(args: argparse.Namespace) -> dict[str, Any]:
    if args.dlq_url and args.queue_url:
        sqs = boto3.client("sqs")
        return {"moved": move_back(args.dlq_url, args.queue_url, sqs)}
    stats = _local(args.api, "get", "/_local/stats").json()
    for key, value in LOCAL_AWS_ENV.items():
        os.environ.setdefault(key, value)
    sqs = local_client("sqs", stats["endpoints"]["sqs"])
    urls = stats["queue_urls"]
    return {"moved": move_back(urls["OrdersDLQ"], urls["OrdersQueue"], sqs)}


def _local(api: str, method: str, path: str, timeout: float = 10) -> httpx.Response:
    try:
        response = httpx.request(method, f"{api}{path}", timeout=timeout)
    except httpx.ConnectError:
        raise SystemExit(f"no embedded stack at {api}: start it with `make local`, or pass --api") from None
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}: {response.text}")
    return response


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flashlab.ops", description=__doc__)
    parser.add_argument("command", choices=["reconcile", "redrive"])
    parser.add_argument("--api", default=os.environ.get("FLASHDEAL_API_URL", DEFAULT_API))
    parser.add_argument("--function-name", help="AWS: the ReconcilerFunctionName output")
    parser.add_argument("--dlq-url", help="AWS: the OrdersDlqUrl output")
    parser.add_argument("--queue-url", help="AWS: the OrdersQueueUrl output")
    args = parser.parse_args(argv)
    result = reconcile(args) if args.command == "reconcile" else redrive(args)
    print(json.dumps(result, indent=2))
    if args.command == "redrive":
        print(f"moved {result['moved']} message(s) from the dead-letter queue back to the orders queue")
    elif "errorMessage" in result:
        return 1
    else:
        print(
            f"pending {result['pending']}: published {result['published']}, rejected not_processed "
            f"{result['rejected_not_processed']}, still pending {result['still_pending']}; "
            f"{result['sales_checked']} sale(s) checked, {len(result['stock_mismatches'])} with a stock mismatch"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
