"""The dashboard and alarms of template.yaml, read as data: every widget's metrics, every alarm's metrics.

The template is the one definition. ``make dashboard`` draws its widgets from the local CloudWatch, and
the template tests check that each metric named here is one the code emits or AWS publishes.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from flashlab.template import Template

DASHBOARD = "Dashboard"
_PLACEHOLDER = re.compile(r"\$\{([^}!]+)\}")


@dataclass(frozen=True)
class MetricLine:
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    label: str


@dataclass(frozen=True)
class Widget:
    title: str
    row: str  # the text widget above it
    metrics: tuple[MetricLine, ...]


def dashboard_body(template: Template) -> str:
    """The dashboard's JSON as written, ``${...}`` placeholders and all."""
    body = template.doc["Resources"][DASHBOARD]["Properties"]["DashboardBody"]
    return body["Fn::Sub"] if isinstance(body, dict) else body


def placeholders(template: Template) -> set[str]:
    return set(_PLACEHOLDER.findall(dashboard_body(template)))


def widgets(template: Template, names: dict[str, str]) -> list[Widget]:
    """The metric widgets, in order, with each ``${Name}`` replaced by ``names[Name]``."""
    missing = placeholders(template) - set(names)
    if missing:
        raise KeyError(f"no value for {sorted(missing)} in the dashboard's placeholders")
    body = _PLACEHOLDER.sub(lambda m: names[m.group(1)], dashboard_body(template))
    found, row = [], ""
    for widget in json.loads(body)["widgets"]:
        props = widget["properties"]
        if widget["type"] == "text":
            row = props["markdown"].lstrip("# ").strip()
            continue
        lines = tuple(_metric_line(m, props.get("stat", "Average")) for m in props["metrics"])
        found.append(Widget(props["title"], row, lines))
    return found


def _metric_line(entry: list[Any], default_stat: str) -> MetricLine:
    options = entry[-1] if isinstance(entry[-1], dict) else {}
    parts = entry[:-1] if options else entry
    namespace, name, *flat = parts
    dimensions = tuple(zip(flat[::2], flat[1::2], strict=True))
    stat = options.get("stat", default_stat)
    return MetricLine(namespace, name, dimensions, stat, options.get("label", name))


def alarm_metrics(template: Template) -> dict[str, list[tuple[str, str, tuple[str, ...]]]]:
    """Each alarm's metrics as (namespace, name, dimension names), single-metric and metric-math alike."""
    found: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    for name, props in template.of_type("AWS::CloudWatch::Alarm").items():
        metrics = [q["MetricStat"]["Metric"] for q in props.get("Metrics", []) if "MetricStat" in q]
        if "MetricName" in props:
            metrics.append(props)
        found[name] = [
            (m["Namespace"], m["MetricName"], tuple(d["Name"] for d in m.get("Dimensions", []))) for m in metrics
        ]
    return found
