"""One statistic of one metric over a time span, from a CloudWatch (AWS's or the embedded stack's)."""

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
    query = {
        "Id": "q",
        "MetricStat": {
            "Metric": {
                "Namespace": namespace,
                "MetricName": name,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions],
            },
            "Period": span_s,
            "Stat": stat,
        },
    }
    answer = cloudwatch.get_metric_data(MetricDataQueries=[query], StartTime=start, EndTime=end)
    values = [v for v in answer["MetricDataResults"][0]["Values"] if v is not None]
    return values[0] if values else None
