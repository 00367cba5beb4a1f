"""Metric queries for a CloudWatch (AWS's or the embedded stack's): one shape for the dashboard and the labs."""

from datetime import datetime
from typing import Any


def statistic(
    cloudwatch: Any,
    namespace: str,
    name: str,
    dimensions: list[tuple[str, str]],
    stat: str,
    start: datetime,
    end: datetime,
) -> float | None:
    """``stat`` (Sum, Average, Maximum, SampleCount, p99...) over [start, end) as one period; None without data."""
    span_s = 60 * (int((end - start).total_seconds()) // 60 + 1)  # one period, a whole number of minutes
    query = metric_query("q", namespace, name, dimensions, span_s, stat)
    answer = cloudwatch.get_metric_data(MetricDataQueries=[query], StartTime=start, EndTime=end)
    values = [v for v in answer["MetricDataResults"][0]["Values"] if v is not None]
    return values[0] if values else None


def metric_query(
    query_id: str,
    namespace: str,
    name: str,
    dimensions: list[tuple[str, str]] | tuple[tuple[str, str], ...],
    period_s: int,
    stat: str,
    label: str | None = None,
) -> dict[str, Any]:
    """One ``MetricDataQueries`` entry."""
    metric = {
        "Namespace": namespace,
        "MetricName": name,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions],
    }
    query: dict[str, Any] = {"Id": query_id, "MetricStat": {"Metric": metric, "Period": period_s, "Stat": stat}}
    return query | ({"Label": label} if label else {})
