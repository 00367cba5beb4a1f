"""The template's dashboard as a PNG: each widget's metrics fetched from a CloudWatch, drawn in its row.

Against the embedded stack the CloudWatch is moto's, fed by ``flashlab.local.metric_publisher``; metrics
only AWS publishes (RDS Proxy, the age of the oldest message) draw as "no data here".
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flashlab.dashboard.definition import Widget
from flashlab.dashboard.query import metric_query

COLUMNS = 3


@dataclass(frozen=True)
class Series:
    label: str
    timestamps: list[datetime]
    values: list[float]


def fetch(cloudwatch: Any, widget: Widget, start: datetime, end: datetime, period_s: int) -> list[Series]:
    """Each of the widget's metric lines over [start, end), at ``period_s`` resolution."""
    queries = [
        metric_query(f"m{i}", line.namespace, line.name, line.dimensions, period_s, line.stat, line.label)
        for i, line in enumerate(widget.metrics)
    ]
    answer = cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end)
    series = []
    for query, result in zip(queries, answer["MetricDataResults"], strict=True):
        points = sorted((t, v) for t, v in zip(result["Timestamps"], result["Values"], strict=True) if v is not None)
        series.append(Series(str(query["Label"]), [t for t, _ in points], [v for _, v in points]))
    return series


def draw(panels: list[tuple[Widget, list[Series]]], span: tuple[datetime, datetime], path: Path, title: str) -> None:
    """One panel a widget, three to a row as on the dashboard; every panel spans the same time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    rows = -(-len(panels) // COLUMNS)
    fig, axes = plt.subplots(rows, COLUMNS, figsize=(6 * COLUMNS, 3.2 * rows), squeeze=False)
    try:
        for ax, (widget, series) in zip(axes.flat, panels, strict=False):
            ax.set_title(f"{widget.row}: {widget.title}", fontsize=9, loc="left")
            drawn = [s for s in series if s.values]
            for s in drawn:
                ax.plot(s.timestamps, s.values, marker=".", markersize=3, linewidth=1, label=s.label)
            if drawn:
                ax.legend(fontsize=7, loc="upper left")
                ax.set_xlim(*span)
                ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))
                ax.tick_params(labelsize=7)
            else:
                ax.text(0.5, 0.5, "no data here", ha="center", va="center", transform=ax.transAxes, color="grey")
                ax.set_xticks([])
                ax.set_yticks([])
        for ax in list(axes.flat)[len(panels) :]:
            ax.set_visible(False)
        fig.suptitle(title)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=90)
    finally:
        plt.close(fig)
