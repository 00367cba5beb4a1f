"""``make deploy`` on a foundation stack: its outputs become the parameters the application stack needs.

    python -m flashlab.deployed.foundation --env dev

prints samconfig.toml's ``parameter_overrides`` for that environment, with SubnetIds, SecurityGroupIds,
DbSecretArn, DbClusterIdentifier and DbName added from the stack ``make foundation ENV=dev`` deployed
(``flashdeal-foundation-dev``). A value samconfig.toml sets itself wins. Without a foundation stack it
prints samconfig.toml's overrides unchanged, and says so on stderr.
"""

import argparse
import shlex
import sys
from typing import Any

from flashlab.check_params import overrides_for
from flashlab.deployed.stack import samconfig_region, stack_outputs

FROM_FOUNDATION = ("SubnetIds", "SecurityGroupIds", "DbSecretArn", "DbClusterIdentifier", "DbName")


def foundation_stack(env: str) -> str:
    return f"flashdeal-foundation-{env}"


def configured(env: str) -> tuple[dict[str, str], str]:
    """samconfig.toml's parameter overrides for ``env`` and its region."""
    return overrides_for(env), samconfig_region(env)


def merged(overrides: dict[str, str], outputs: dict[str, str]) -> dict[str, str]:
    """The foundation's outputs the application stack takes, under samconfig.toml's own values."""
    return {name: outputs[name] for name in FROM_FOUNDATION if name in outputs} | overrides


def outputs_of(stack: str, cloudformation: Any) -> dict[str, str] | None:
    """The stack's outputs, or None when no live stack has that name (looked up, not told by an error)."""
    live = (
        summary["StackName"]
        for page in cloudformation.get_paginator("list_stacks").paginate()
        for summary in page["StackSummaries"]
        if summary["StackStatus"] != "DELETE_COMPLETE"
    )
    return stack_outputs(cloudformation, stack) if stack in live else None


def main(argv: list[str] | None = None, cloudformation: Any = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flashlab.deployed.foundation", description=__doc__)
    parser.add_argument("--env", required=True, help="a samconfig.toml environment: dev or prod")
    env = parser.parse_args(argv).env
    overrides, region = configured(env)
    if cloudformation is None:
        import boto3

        cloudformation = boto3.client("cloudformation", region_name=region)
    outputs = outputs_of(foundation_stack(env), cloudformation)
    if outputs is None:
        print(f"no stack {foundation_stack(env)}: samconfig.toml's parameters as they are", file=sys.stderr)
        outputs = {}
    print(" ".join(f"{name}={shlex.quote(value)}" for name, value in merged(overrides, outputs).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
