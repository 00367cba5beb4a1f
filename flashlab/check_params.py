"""Checks the deploy parameters CloudFormation cannot check itself, before ``sam deploy``.

    python -m flashlab.check_params [--config-env dev] [Name=Value ...]

- the worker's reserved concurrency is never below the SQS event source's MaximumConcurrency
  (otherwise Lambda throttles the poller's invocations and healthy messages drift to the DLQ);
- a batch size above 10 comes with a batching window of at least one second (an AWS rule);
- the queue's visibility timeout is at least six times the worker's timeout.
"""

import argparse
import shlex
import sys
import tomllib
from typing import Any

from flashlab import REPO_ROOT
from flashlab.template import Template

SAMCONFIG = REPO_ROOT / "samconfig.toml"


def overrides_for(config_env: str) -> dict[str, str]:
    config = tomllib.loads(SAMCONFIG.read_text())
    text = config.get(config_env, {}).get("deploy", {}).get("parameters", {}).get("parameter_overrides", "")
    return dict(item.split("=", 1) for item in shlex.split(text))


def problems(overrides: dict[str, Any]) -> list[str]:
    template = Template(overrides)
    p = template.parameters
    found = []
    if int(p["WorkerReservedConcurrency"]) < int(p["WorkerMaximumConcurrency"]):
        found.append(
            f"WorkerReservedConcurrency ({p['WorkerReservedConcurrency']}) is below "
            f"WorkerMaximumConcurrency ({p['WorkerMaximumConcurrency']})"
        )
    if int(p["WorkerBatchSize"]) > 10 and int(p["WorkerBatchingWindowSeconds"]) < 1:
        found.append("WorkerBatchSize above 10 needs WorkerBatchingWindowSeconds of at least 1")
    worker = template.functions()["OrderWorkerFunction"]
    queue = template.of_type("AWS::SQS::Queue")["OrdersQueue"]
    if int(queue["VisibilityTimeout"]) < 6 * worker.timeout_s:
        found.append(f"OrdersQueue VisibilityTimeout {queue['VisibilityTimeout']} < 6 x worker Timeout")
    if p["Stage"] == "local":
        found.append("Stage=local deploys the buyer routes without an authorizer: it is for LocalStack, never AWS")
    if 0 < int(p["WafRequestsPerClient"]) < 10:
        found.append("WafRequestsPerClient must be 0 (no web ACL) or at least 10, WAF's smallest rate limit")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config-env", default="default")
    parser.add_argument("overrides", nargs="*", help="Name=Value, applied after samconfig's")
    args = parser.parse_args(argv)
    overrides = overrides_for(args.config_env) | dict(o.split("=", 1) for o in args.overrides)
    found = problems(overrides)
    for problem in found:
        print(f"error: {problem}", file=sys.stderr)
    if not found:
        print(f"parameters for '{args.config_env}' are consistent")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
