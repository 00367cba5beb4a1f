"""Reads template.yaml: the single source for tables, queues, functions and routes, locally too.

Intrinsic functions are resolved just far enough for local use: ``!Ref`` to a parameter gives its
default (or an override), ``!Ref``/``!GetAtt`` to a resource gives a local name or a placeholder.
"""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from flashlab import REPO_ROOT

TEMPLATE = REPO_ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
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


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    auth: str  # "jwt", "iam" or "none"


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
    routes: list[Route] = field(default_factory=list)
    sqs: SqsSource | None = None


class Template:
    """template.yaml with parameters resolved (defaults, then ``overrides``)."""

    def __init__(self, overrides: dict[str, Any] | None = None, path: Path = TEMPLATE) -> None:
        self.doc = load_template(path)
        self.parameters = {name: spec.get("Default") for name, spec in self.doc.get("Parameters", {}).items()}
        self.parameters.update(overrides or {})
        self.resources: dict[str, Any] = self.doc["Resources"]

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {
            name: self.resolve(r.get("Properties", {})) for name, r in self.resources.items() if r["Type"] == cfn_type
        }

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
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
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
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
                routes=self._routes(name, props),
                sqs=self._sqs_source(props),
            )
        return specs

    def _routes(self, function: str, props: dict[str, Any]) -> list[Route]:
        api = self.of_type("AWS::Serverless::HttpApi")
        default_auth = {name: a.get("Auth", {}).get("DefaultAuthorizer") for name, a in api.items()}
        routes = []
        for event in props.get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            p = event["Properties"]
            authorizer = p.get("Auth", {}).get("Authorizer", default_auth.get(p.get("ApiId"), "NONE"))
            auth = {"NONE": "none", "AWS_IAM": "iam"}.get(authorizer or "NONE", "jwt")
            routes.append(Route(method=p["Method"].upper(), path=p["Path"], function=function, auth=auth))
        return routes

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
