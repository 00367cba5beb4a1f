"""``make dashboard``: the template's CloudWatch dashboard, drawn from the running embedded stack.

    python -m flashlab.dashboard [--url URL] [--minutes 10] [--period 10] [--out PATH]

The widgets are template.yaml's (``Dashboard``), their ``${...}`` names replaced by the stack's own; the
data is what the stack published to its CloudWatch (moto) in the last --minutes. CloudWatch in AWS keeps
1-minute points; the local run is short, so --period defaults to 10 s.
"""

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from flashlab.dashboard.from_stack import DEFAULT_OUT, render_dashboard


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flashlab.dashboard", description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:3000", help="the embedded stack's API (make local)")
    parser.add_argument("--minutes", type=float, default=10, help="how far back to draw (default 10)")
    parser.add_argument("--period", type=int, default=10, help="seconds per point (default 10)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.period < 1:
        parser.error("--minutes must be above 0 and --period at least 1")
    try:
        since = datetime.now(UTC) - timedelta(minutes=args.minutes)
        out = render_dashboard(args.url, args.out, since, args.period)
    except httpx.ConnectError:
        print(f"nothing answers at {args.url}: start the embedded stack with `make local`", file=sys.stderr)
        return 2
    print(f"dashboard: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
