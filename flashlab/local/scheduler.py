"""EventBridge schedules for the embedded stack: a function with a ``rate(...)`` Schedule event runs on it."""

import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flashlab.local.runtime import FunctionFailedError, FunctionRuntime


def scheduled_event(function: str) -> dict[str, Any]:
    """The event EventBridge sends a scheduled target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{function}-schedule"],
        "detail": {},
    }


class Schedule:
    def __init__(self, runtime: FunctionRuntime, every_s: float) -> None:
        self.runtime = runtime
        self.every_s = every_s
        self.runs = 0
        self.failures = 0
        self.last: Any = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"schedule:{runtime.spec.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        next_at = time.monotonic() + self.every_s
        while not self._stop.wait(max(0.0, next_at - time.monotonic())):
            next_at += self.every_s
            try:
                self.last = self.runtime.invoke(scheduled_event(self.runtime.spec.name))
                self.runs += 1
            except FunctionFailedError as exc:  # EventBridge would retry; the next tick is soon enough here
                self.failures += 1
                self.last = {"error": str(exc)}

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
