"""A deployed stack, found from samconfig.toml's environment: its name, region and outputs."""

import tomllib
from dataclasses import dataclass
from typing import Any

from flashlab import REPO_ROOT


@dataclass(frozen=True)
class DeployedStack:
    name: str
    region: str
    outputs: dict[str, str]

    def output(self, key: str) -> str:
        if key not in self.outputs:
            raise SystemExit(f"stack {self.name} has no output {key}: deploy it first (make deploy ENV=...)")
        return self.outputs[key]


def samconfig_environment(env: str) -> dict[str, Any]:
    """samconfig.toml's section for ``env``; an environment it lacks stops the command, naming the ones it has."""
    config = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text())
    if env not in config:
        raise SystemExit(f"samconfig.toml has no environment {env!r}: one of {', '.join(sorted(config))}")
    section: dict[str, Any] = config[env]
    return section


def samconfig_region(env: str) -> str:
    """The region samconfig.toml deploys ``env`` to (us-east-1 when it names none)."""
    region: str = samconfig_environment(env).get("deploy", {}).get("parameters", {}).get("region", "us-east-1")
    return region


def stack_outputs(cloudformation: Any, name: str) -> dict[str, str]:
    """The outputs of the stack ``name``, by key."""
    (described,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def stack_of(env: str, cloudformation: Any = None) -> DeployedStack:
    """The stack ``make deploy ENV=env`` deploys, read from samconfig.toml, with its outputs."""
    import boto3

    name = samconfig_environment(env)["global"]["parameters"]["stack_name"]
    region = samconfig_region(env)
    cloudformation = cloudformation or boto3.client("cloudformation", region_name=region)
    return DeployedStack(name, region, stack_outputs(cloudformation, name))
