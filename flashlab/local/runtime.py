"""Lambda functions as pools of execution environments (``flashlab.local.environment``).

As in Lambda: a function with reserved concurrency throttles invocations beyond it; an unreserved one
makes callers wait, first come first served, for an environment, up to the account's concurrency; an
invocation that outlives the function's Timeout kills its environment. Each invocation is reported to
CloudWatch as Lambda reports it (invocations, errors, duration, throttles), with the EMF the handler printed.
"""

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from flashlab.local import aws_metrics
from flashlab.local.environment import INIT_TIMEOUT_S, ExecutionEnvironment, FunctionFailedError
from flashlab.local.metric_publisher import MetricPublisher
from flashlab.local.throttling import FifoSlots
from flashlab.percentiles import percentile
from flashlab.template import FunctionSpec

__all__ = ["FunctionFailedError", "FunctionRuntime", "ThrottledError"]


class ThrottledError(Exception):
    """The function is at its reserved concurrency (Lambda's 429 TooManyRequestsException)."""


@dataclass
class FunctionStats:
    invocations: int = 0
    cold_starts: int = 0
    throttles: int = 0
    errors: int = 0
    timeouts: int = 0
    busy: int = 0
    peak_busy: int = 0
    environments: set[int] = field(default_factory=set)
    aws_calls: Counter[str] = field(default_factory=Counter)  # service.Operation -> calls, all invocations
    durations_ms: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))  # warm invocations, newest

    def duration_summary(self) -> dict[str, float]:
        durations = list(self.durations_ms)  # one snapshot: invocations keep appending meanwhile
        if not durations:
            return {}
        return {
            "p50_ms": percentile(durations, 0.5),
            "p99_ms": percentile(durations, 0.99),
            "max_ms": max(durations),
        }


class FunctionRuntime:
    """Invokes one function, as Lambda does a synchronous invocation.

    A function with reserved concurrency runs at most that many invocations and throttles the next one
    at once. An unreserved one runs at most ``max_environments`` (what two cores can run; AWS would start
    more), and the invocations AWS would have run in further environments wait for one, first come first
    served, up to ``account_concurrency`` in flight in all: beyond that Lambda throttles, and so does this.
    """

    def __init__(
        self,
        spec: FunctionSpec,
        environment: dict[str, str],
        overrides: dict[str, Any],
        max_environments: int,
        ctx: Any,
        account_concurrency: int,
        metrics: MetricPublisher | None = None,
    ) -> None:
        self.spec = spec
        self.metrics = metrics
        self._environment = environment
        self._overrides = overrides
        self._ctx = ctx
        self.reserved = spec.reserved_concurrency
        self.limit = self.reserved if self.reserved is not None else max_environments
        self._idle: list[ExecutionEnvironment] = []
        self._all: list[ExecutionEnvironment] = []
        self._lock = threading.Lock()
        waiting = 0 if self.reserved is not None else max(0, account_concurrency - self.limit)
        self._slots = FifoSlots(self.limit, max_waiting=waiting)
        self.stats = FunctionStats()

    def invoke(self, event: dict[str, Any]) -> Any:
        if not self._slots.acquire():
            with self._lock:
                self.stats.throttles += 1
            if self.metrics is not None:
                self.metrics.publish(aws_metrics.lambda_throttle(self.spec.name))
            raise ThrottledError(f"{self.spec.name} is at its concurrency limit")
        try:
            return self._invoke_in_environment(event)
        finally:
            self._slots.release()

    def _invoke_in_environment(self, event: dict[str, Any]) -> Any:
        with self._lock:
            self.stats.invocations += 1
            self.stats.busy += 1
            self.stats.peak_busy = max(self.stats.peak_busy, self.stats.busy)
            env = self._idle.pop() if self._idle else None
        if env is None:
            env = ExecutionEnvironment(self._ctx, self.spec, self._environment, self._overrides)
            with self._lock:
                self.stats.cold_starts += 1
                self._all.append(env)
        cold, started = env.invocations == 0, time.perf_counter()
        try:
            # Lambda gives the init phase its own 10 s on top of the function's Timeout.
            kind, payload, calls, emf_lines = env.invoke(event, self.spec.timeout_s + (INIT_TIMEOUT_S if cold else 0))
        except TimeoutError as exc:
            with self._lock:
                self.stats.timeouts += 1
            self._publish(started, failed=True, emf_lines=[])
            raise FunctionFailedError(f"Task timed out after {self.spec.timeout_s:.2f} seconds") from exc
        except FunctionFailedError:  # the environment's process died
            self._publish(started, failed=True, emf_lines=[])
            raise
        finally:
            with self._lock:
                if not cold:
                    self.stats.durations_ms.append((time.perf_counter() - started) * 1000)
                self.stats.busy -= 1
                if env.alive:
                    self._idle.append(env)
                    self.stats.environments.add(env.process.pid or 0)
        with self._lock:
            self.stats.aws_calls.update(calls)
        self._publish(started, failed=kind == "error", emf_lines=emf_lines)
        if kind == "error":
            with self._lock:
                self.stats.errors += 1
            raise FunctionFailedError(f"{payload['errorType']}: {payload['errorMessage']}")
        return payload

    def _publish(self, started: float, failed: bool, emf_lines: list[str]) -> None:
        if self.metrics is not None:
            duration_ms = (time.perf_counter() - started) * 1000
            self.metrics.publish(aws_metrics.lambda_invocation(self.spec.name, duration_ms, failed))
            self.metrics.publish_emf(emf_lines)

    def environment_pids(self) -> list[int]:
        with self._lock:
            return [env.process.pid for env in self._all if env.process.pid]

    def close(self) -> None:
        with self._lock:
            environments, self._all, self._idle = self._all, [], []
        for env in environments:
            env.kill()
