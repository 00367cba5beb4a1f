"""The one percentile the lab reports with: the value at rank ``int(q * n)`` of the sorted values."""

from collections.abc import Iterable


def percentile(values: Iterable[float], q: float) -> float:
    """``nan`` for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
