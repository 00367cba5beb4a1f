"""``make local``: the embedded stack in the foreground. Ctrl-C stops everything.

python -m flashlab.local [--port 3000] [--aws-port 4566] [--dynamodb dynalite|moto] [--param Name=Value ...]

A port that is taken stops it with a message naming the option that moves it; it never moves by itself.
"""

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path

import uvicorn

from flashlab.local.servers import PortTakenError
from flashlab.local.stack import EmbeddedStack, StackOptions
from flashlab.postgres import DEFAULT_DATA_DIR


def parse_args(argv: list[str] | None) -> StackOptions:
    parser = argparse.ArgumentParser(
        prog="python -m flashlab.local", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=3000, help="REST API port (0: any free port; default 3000)")
    parser.add_argument("--aws-port", type=int, default=4566, help="moto's port (0: any free port; default 4566)")
    parser.add_argument(
        "--dynamodb",
        choices=["dynalite", "moto"],
        default="dynalite",
        help="DynamoDB emulator: dynalite on its own port (default, faster) or moto's server on --aws-port",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="template parameter override, like sam's --parameter-overrides (repeatable)",
    )
    parser.add_argument(
        "--visibility-timeout",
        type=int,
        default=None,
        metavar="SECONDS",
        help="lab override of OrdersQueue's VisibilityTimeout (the template says 60)",
    )
    parser.add_argument(
        "--max-environments",
        type=int,
        default=8,
        help="execution environments per function without reserved concurrency (default 8)",
    )
    parser.add_argument(
        "--account-concurrency",
        type=int,
        default=16,
        help="invocations in flight per function without reserved concurrency: those beyond --max-environments "
        "wait first come first served, the next is throttled as Lambda would (429 from the gateway; default 16)",
    )
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="embedded Postgres data directory")
    parser.add_argument("--fresh", action="store_true", help="start from an empty database")
    parser.add_argument("--status-interval", type=float, default=60, help="seconds between status lines")
    parser.add_argument("--verbose", action="store_true", help="show the functions' Powertools logs and metrics")
    args = parser.parse_args(argv)
    bad = [p for p in args.param if "=" not in p]
    if bad:
        parser.error(f"--param takes NAME=VALUE, got {bad[0]!r}")
    options = StackOptions(
        api_port=args.port,
        aws_port=args.aws_port,
        dynamodb=args.dynamodb,
        admin_token=os.environ.get("FLASHDEAL_ADMIN_TOKEN", "local-admin"),
        parameters=dict(p.split("=", 1) for p in args.param),
        visibility_timeout_s=args.visibility_timeout,
        max_environments=args.max_environments,
        account_concurrency=args.account_concurrency,
        data_dir=args.data_dir,
        fresh_database=args.fresh,
        verbose=args.verbose,
        status_interval_s=args.status_interval,
    )
    return options


def report_status(stack: EmbeddedStack, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            status = stack.status()
        except Exception as exc:  # never let the status line take the stack down
            print(f"status unavailable: {exc}", flush=True)
            continue
        queue = status["queues"].get("OrdersQueue", {})
        sources = list(status["event_sources"].values())
        settled = sum(s["records_ok"] for s in sources)
        print(
            f"{time.strftime('%H:%M:%S')} queue depth {queue.get('visible', 0)} (+{queue.get('in_flight', 0)} "
            f"invisible), DLQ {status['queues'].get('OrdersDLQ', {}).get('visible', 0)}, in-flight batches "
            f"{sum(s['in_flight'] for s in sources)}, orders settled {settled}, API requests "
            f"{status['gateway'].get('requests', 0)}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    try:
        stack = EmbeddedStack(options)
    except PortTakenError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2
    print("starting the embedded stack (moto, Postgres, functions from template.yaml)...", flush=True)
    stop = threading.Event()
    try:
        stack.start()
    except PortTakenError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        stack.stop()
        return 2
    try:
        for warning in stack.warnings:
            print(f"warning: {warning}", flush=True)
        assert stack.gateway is not None
        assert stack.database is not None
        database_url = stack.database.url
        config = uvicorn.Config(
            stack.gateway,
            host="127.0.0.1",
            port=stack.api_port,
            loop="uvloop",
            http="httptools",
            log_level="warning",
            access_log=False,
            lifespan="off",
            # Longer than any client keeps an idle connection (httpx: 5 s). At uvicorn's default, also 5 s,
            # a client could send on a connection the server was closing, and read nothing (httpx.ReadError).
            timeout_keep_alive=75,
        )
        server = uvicorn.Server(config)
        reporter = threading.Thread(
            target=report_status,
            args=(stack, options.status_interval_s, stop),
            daemon=True,
        )
        original_startup = server.startup

        async def startup(sockets=None):  # print `ready` only once the port is bound
            await original_startup(sockets)
            print(
                f"ready {stack.api_url} aws={stack.aws_url} sqs={os.environ.get('AWS_ENDPOINT_URL_SQS', '')} "
                f"dynamodb={stack.dynamodb_url} postgres={database_url} admin_token={options.admin_token}",
                flush=True,
            )
            reporter.start()

        server.startup = startup  # type: ignore[method-assign]
        # uvicorn re-raises the signal that stopped it once it has shut down; as the default SIGTERM
        # action that would end the process before `finally` stops moto, dynalite and Postgres.
        signal.signal(signal.SIGTERM, _interrupted)
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
    finally:
        stop.set()
        print("stopping...", flush=True)
        stack.stop()
        print("stopped", flush=True)
    return 0


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
