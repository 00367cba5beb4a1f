"""Fuzz tier: schemathesis over docs/openapi.json against the embedded stack (or FLASHDEAL_API_URL)."""

import os
from collections import Counter
from collections.abc import Iterator

import pytest

from flashlab.stack_process import start_stack

STATUSES: Counter[str] = Counter()  # "<METHOD> <path> <status>" -> answers, for the summary line


@pytest.fixture(scope="session")
def api_url() -> Iterator[str]:
    remote = os.environ.get("FLASHDEAL_API_URL")
    if remote:
        yield remote
        return
    stack = start_stack()
    try:
        yield stack.api_url
    finally:
        stack.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not STATUSES:
        return
    by_class = Counter(key.rsplit(" ", 1)[1][0] + "xx" for key in STATUSES.elements())
    terminalreporter.write_line(
        f"fuzz: {sum(STATUSES.values())} requests; " + ", ".join(f"{k} {v}" for k, v in sorted(by_class.items()))
    )
    for key, count in sorted(STATUSES.items()):
        terminalreporter.write_line(f"  {key}: {count}")
