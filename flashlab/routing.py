"""Matches a request to a template route, as API Gateway does: exact segments and ``{name}`` captures."""

import re
from dataclasses import dataclass

from flashlab.template import Route


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self._compiled = [(route, _pattern(route.path)) for route in routes]

    def match(self, method: str, path: str) -> RouteMatch | None:
        for route, pattern in self._compiled:
            found = pattern.fullmatch(path)
            if found and route.method in (method.upper(), "ANY"):
                return RouteMatch(route, found.groupdict())
        return None

    def allows_path(self, path: str) -> bool:
        return any(pattern.fullmatch(path) for _, pattern in self._compiled)


def _pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", path.rstrip("/") or "/")
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(regex + "/?")
