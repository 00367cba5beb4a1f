"""`make chaos`: one row per fault, each injected during a burst on a fresh embedded stack.

python -m flashlab.chaos [--quick] [--buyers N] [--inventory N] [--only NAME]

Each row: orders accepted; lost (accepted, never final); oversold; duplicated (a buyer confirmed twice,
or DynamoDB and Postgres disagreeing); orders not final within --final-within seconds after the fault
ended; the time from the fault's end to the last order becoming final; dead-lettered messages.
The last line is the RESULT line. The rows are also written to .flashlab/chaos.json.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from flashlab import REPO_ROOT
from flashlab.chaos.faults import BUDGET_ENV, arm
from flashlab.chaos.report import Row, render, verdict
from flashlab.chaos.scenarios import Scenario, scenarios
from flashlab.chaos.trial import run_trial
from flashlab.moto import LOCAL_AWS_ENV


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m flashlab.chaos", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the reduced run `make test` uses")
    parser.add_argument("--buyers", type=int, default=None, help="buyers per burst (default 600; quick 200)")
    parser.add_argument("--inventory", type=int, default=None, help="units per sale (default 150; quick 50)")
    parser.add_argument("--final-within", type=float, default=None, help="seconds after the fault ends (default 90)")
    parser.add_argument("--only", default=None, help="run the scenarios whose name contains this")
    parser.add_argument(
        "--visibility-timeout",
        type=int,
        default=None,
        help="OrdersQueue's VisibilityTimeout override (default: the template's; quick: 10, to stay short)",
    )
    args = parser.parse_args(argv)
    args.buyers = args.buyers or (200 if args.quick else 600)
    args.inventory = args.inventory or (50 if args.quick else 150)
    args.final_within = args.final_within or 90.0
    if args.quick and args.visibility_timeout is None:
        args.visibility_timeout = 10
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chosen: list[Scenario] = [s for s in scenarios(args.quick) if not args.only or args.only in s.name]
    if not chosen:
        print(f"no scenario matches {args.only!r}", file=sys.stderr)
        return 2
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="flashlab-chaos-") as work:
        budget = Path(work) / "faults.json"
        arm(budget, {})
        os.environ[BUDGET_ENV] = str(budget)
        for key, value in LOCAL_AWS_ENV.items():  # the runner's own SQS calls (poison, duplicates)
            os.environ.setdefault(key, value)
        for n, scenario in enumerate(chosen, 1):
            print(
                f"==> [{n}/{len(chosen)}] {scenario.name}: {args.buyers} buyers for {args.inventory} units", flush=True
            )
            started = time.monotonic()
            row = run_trial(scenario, args, budget, Path(work) / f"pg{n}")
            rows.append(row)
            print(f"    done in {time.monotonic() - started:.0f} s: {row.summary()}", flush=True)
    print()
    print(render(rows))
    out = REPO_ROOT / ".flashlab" / "chaos.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps([row.as_dict() for row in rows], indent=2))
    ok, line = verdict(rows)
    print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
