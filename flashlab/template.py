"""Reads template.yaml: the single source for tables, queues, functions and routes, locally too.

Intrinsic functions are resolved just far enough for local use: ``!Ref`` to a parameter gives its
default (or an override), ``!Ref``/``!GetAtt`` to a resource gives a local name or a placeholder,
``!If`` follows the template's Conditions, and ``AWS::NoValue`` removes what it stands in.
Resources whose Condition is false do not exist here either.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from flashlab import REPO_ROOT

TEMPLATE = REPO_ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


@cache
def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CfnLoader)


_NO_VALUE = object()


@dataclass(frozen=True)
class SqsSource:
    queue: str
    batch_size: int
    batching_window_s: int
    maximum_concurrency: int | None
    report_batch_item_failures: bool


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    code_dir: Path
    handler: str
    timeout_s: int
    memory_mb: int
    reserved_concurrency: int | None
    environment: dict[str, str]
    sqs: SqsSource | None = None
    schedule_s: float | None = None  # an EventBridge ``rate(...)`` schedule, in seconds


class Template:
    """template.yaml with parameters resolved (defaults, then ``overrides``)."""

    def __init__(
        self, overrides: dict[str, Any] | None = None, path: Path = TEMPLATE, doc: dict[str, Any] | None = None
    ) -> None:
        self.doc = doc if doc is not None else load_template(path)
        self.parameters = {name: spec.get("Default") for name, spec in self.doc.get("Parameters", {}).items()}
        self.parameters.update(overrides or {})
        self.resources: dict[str, Any] = self.doc["Resources"]

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        """The resources of that type that this deployment creates, their properties resolved."""
        return {
            name: self.resolve(r.get("Properties", {}))
            for name, r in self.resources.items()
            if r["Type"] == cfn_type and self.exists(name)
        }

    def exists(self, resource: str) -> bool:
        condition = self.resources[resource].get("Condition")
        return condition is None or self.condition(condition)

    def condition(self, name: str) -> bool:
        return self._truth(self.doc["Conditions"][name])

    def _truth(self, expression: dict[str, Any]) -> bool:
        [(function, args)] = expression.items()
        if function == "Condition":
            return self.condition(args)
        if function == "Fn::Equals":
            left, right = (self.resolve(arg) for arg in args)
            return str(left) == str(right)
        if function == "Fn::Not":
            return not self._truth(args[0])
        if function == "Fn::And":
            return all(self._truth(arg) for arg in args)
        if function == "Fn::Or":
            return any(self._truth(arg) for arg in args)
        raise ValueError(f"unsupported condition function {function}")

    def resolve(self, value: Any) -> Any:
        resolved = self._resolve(value)
        return None if resolved is _NO_VALUE else resolved

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if value == {"Ref": "AWS::NoValue"}:
                return _NO_VALUE
            if set(value) == {"Fn::If"}:
                name, when_true, when_false = value["Fn::If"]
                return self._resolve(when_true if self.condition(name) else when_false)
            if set(value) == {"Ref"}:
                return self.parameters.get(value["Ref"], value["Ref"])
            if set(value) == {"Fn::GetAtt"}:
                resource, attribute = value["Fn::GetAtt"]
                return f"{resource}.{attribute}"
            if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
                text = value["Fn::Sub"]
                for name, param in self.parameters.items():
                    text = text.replace("${" + name + "}", str(param))
                return text
            items = {key: self._resolve(item) for key, item in value.items()}
            return {key: item for key, item in items.items() if item is not _NO_VALUE}
        if isinstance(value, list):
            return [item for item in map(self._resolve, value) if item is not _NO_VALUE]
        return value

    def number(self, value: Any) -> int:
        return int(self.resolve(value))

    def functions(self) -> dict[str, FunctionSpec]:
        globals_ = self.resolve(self.doc.get("Globals", {}).get("Function", {}))
        specs = {}
        for name, props in self.of_type("AWS::Serverless::Function").items():
            env = {
                **globals_.get("Environment", {}).get("Variables", {}),
                **props.get("Environment", {}).get("Variables", {}),
            }
            reserved = props.get("ReservedConcurrentExecutions")
            specs[name] = FunctionSpec(
                name=name,
                code_dir=REPO_ROOT / props["CodeUri"],
                handler=props["Handler"],
                timeout_s=int(props.get("Timeout", globals_.get("Timeout", 3))),
                memory_mb=int(props.get("MemorySize", globals_.get("MemorySize", 128))),
                reserved_concurrency=int(reserved) if reserved is not None else None,
                environment={k: str(v) for k, v in env.items()},
                sqs=self._sqs_source(props),
                schedule_s=_schedule_seconds(props),
            )
        return specs

    def _sqs_source(self, props: dict[str, Any]) -> SqsSource | None:
        for event in props.get("Events", {}).values():
            if event["Type"] == "SQS":
                p = event["Properties"]
                return SqsSource(
                    queue=p["Queue"].split(".")[0],
                    batch_size=int(p.get("BatchSize", 10)),
                    batching_window_s=int(p.get("MaximumBatchingWindowInSeconds", 0)),
                    maximum_concurrency=(
                        int(p["ScalingConfig"]["MaximumConcurrency"]) if "ScalingConfig" in p else None
                    ),
                    report_batch_item_failures="ReportBatchItemFailures" in p.get("FunctionResponseTypes", []),
                )
        return None


_RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def _schedule_seconds(props: dict[str, Any]) -> float | None:
    """``rate(5 minutes)`` -> 300. A cron schedule is not emulated: run the function by hand."""
    for event in props.get("Events", {}).values():
        if event["Type"] == "Schedule":
            match = re.fullmatch(r"rate\((\d+) (\w+)\)", str(event["Properties"]["Schedule"]).strip())
            if match and match.group(2) in _RATE_UNITS:
                return int(match.group(1)) * _RATE_UNITS[match.group(2)]
    return None
