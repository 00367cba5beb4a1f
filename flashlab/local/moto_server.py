"""moto's server with two CloudWatch fixes: ``python -m flashlab.local.moto_server`` takes moto's arguments.

- Percentiles. moto answers ``get_metric_data`` for Sum, Average, Minimum, Maximum and SampleCount only;
  a ``p99`` comes back empty. The dashboard's latency and settle-lag widgets are percentiles, so this
  computes them as CloudWatch does for raw values: the nearest-rank percentile of the period's values
  (values sent as statistic sets have no distribution and are left out, as in AWS).
- Dimension order. moto matches a query's dimensions to a metric's by sorting both, but its
  ``Dimension.__lt__`` compares a value with a name, so ``[service, reason]`` could miss a metric stored as
  ``[reason, service]``. CloudWatch ignores the order; sorting by (name, value) does too.
"""

import math
import re
from typing import Any

from moto.cloudwatch import models

PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?)$")


def percentile(values: list[float], p: float) -> float | None:
    """The nearest-rank ``p``th percentile (0 < p <= 100); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def install() -> None:
    original = models.Statistics.get_statistics_for_type

    def get_statistics_for_type(self: Any, stat: str) -> Any:
        found = PERCENTILE.match(stat)
        if found is None:
            return original(self, stat)
        return percentile(self.metric_single_values_list, float(found.group(1)))

    models.Statistics.get_statistics_for_type = get_statistics_for_type  # type: ignore[method-assign]
    models.Dimension.__lt__ = _dimension_before  # type: ignore[method-assign]


def _dimension_before(self: Any, other: Any) -> bool:
    return (str(self.name), str(self.value)) < (str(other.name), str(other.value))


if __name__ == "__main__":
    install()
    from moto.server import main

    main()
