"""Matches a request to a template route as a REST API does.

The most specific resource wins: literal segments before ``{name}`` captures, and a greedy ``{proxy+}``
only when nothing else matches. A resource that matches without the request's method is not a fall-through
to a greedier one: API Gateway answers it itself (403 Missing Authentication Token).
"""

import re
from dataclasses import dataclass

from flashlab.rest_api import ANY, Route


@dataclass(frozen=True)
class RouteMatch:
    route: Route | None  # None: the resource exists, the method does not
    path_parameters: dict[str, str]


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self._compiled = sorted(((route, _pattern(route.path)) for route in routes), key=lambda r: _rank(r[0].path))

    def match(self, method: str, path: str) -> RouteMatch | None:
        resource = None
        for route, pattern in self._compiled:
            found = pattern.fullmatch(path)
            if found is None or (resource is not None and route.path != resource):
                continue
            resource = route.path
            if route.method in (method.upper(), ANY):
                return RouteMatch(route, found.groupdict())
        return None if resource is None else RouteMatch(None, {})


def _rank(path: str) -> tuple[int, ...]:
    """Literal segments first, then captures, then greedy ones; segment by segment."""
    return tuple(2 if s.endswith("+}") else 1 if s.startswith("{") else 0 for s in path.strip("/").split("/"))


def _pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", path.rstrip("/") or "/")
    regex = "".join(_capture(p) if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(regex + "/?")


def _capture(part: str) -> str:
    name = part[1:-1]
    return f"(?P<{name[:-1]}>.+)" if name.endswith("+") else f"(?P<{name}>[^/]+)"
