"""Lambda functions as pools of execution environments, each one its own process.

As in Lambda: an environment runs one invocation at a time; its module state (the cached database
connection) survives between invocations while it is warm and is never shared with another one;
the first invocation pays a cold start; a function with reserved concurrency throttles invocations
beyond it; an invocation that outlives the function's Timeout kills its environment.
"""

import multiprocessing
import os
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from flashlab.chaos.faults import install as install_faults
from flashlab.handlers import load_handler
from flashlab.lambda_context import LocalLambdaContext
from flashlab.local import aws_calls
from flashlab.local.throttling import FifoSlots
from flashlab.percentiles import percentile
from flashlab.template import FunctionSpec, Template

PRELOAD = [
    "psycopg",
    "pydantic",
    "pydantic_settings",
    "boto3",
    "botocore",
    "aws_lambda_powertools",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.idempotency",
]  # never flashdeal itself: its Logger and Metrics read the function's environment when imported


INIT_TIMEOUT_S = 10


class ThrottledError(Exception):
    """The function is at its reserved concurrency (Lambda's 429 TooManyRequestsException)."""


class FunctionFailedError(Exception):
    """The handler raised, or ran past its Timeout."""


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


def _serve(conn: Connection, function: str, environment: dict[str, str], overrides: dict[str, Any]) -> None:
    """One execution environment: init (cold start) once, then invocations until the pipe closes."""
    os.environ.update(environment)
    spec = Template(overrides).functions()[function]
    try:
        aws_calls.install()
        install_faults(function, spec.timeout_s + INIT_TIMEOUT_S)  # `make chaos` only: needs a fault budget
        handler = load_handler(spec, environment)
    except Exception as exc:  # an init error fails every invocation, as in Lambda
        init_error = {"errorType": type(exc).__name__, "errorMessage": str(exc)}
        while True:
            try:
                conn.recv()
            except EOFError:
                return
            conn.send(("error", init_error, {}))
    while True:
        try:
            event = conn.recv()
        except EOFError:
            return
        context = LocalLambdaContext(spec.name, spec.timeout_s, spec.memory_mb)
        try:
            answer: tuple[str, Any] = ("ok", handler(event, context))
        except Exception as exc:
            answer = ("error", {"errorType": type(exc).__name__, "errorMessage": str(exc)})
        conn.send((*answer, aws_calls.take()))


class ExecutionEnvironment:
    def __init__(self, ctx: Any, spec: FunctionSpec, environment: dict[str, str], overrides: dict[str, Any]):
        self.conn, child = ctx.Pipe()
        env = {
            **environment,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        }
        self.process = ctx.Process(
            target=_serve, args=(child, spec.name, env, overrides), daemon=True, name=f"lambda:{spec.name}"
        )
        self.process.start()
        child.close()
        self.invocations = 0

    def invoke(self, event: dict[str, Any], timeout_s: float) -> tuple[str, Any, dict[str, int]]:
        """(ok or error, the handler's answer or error, the AWS calls it made)."""
        self.invocations += 1
        self.conn.send(event)
        if not self.conn.poll(timeout_s):
            self.kill()
            raise TimeoutError
        try:
            return self.conn.recv()
        except EOFError as exc:  # the process died (out of memory, os._exit, ...)
            self.kill()
            raise FunctionFailedError("Runtime exited") from exc

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


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
    ) -> None:
        self.spec = spec
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
            kind, payload, calls = env.invoke(event, self.spec.timeout_s + (INIT_TIMEOUT_S if cold else 0))
        except TimeoutError as exc:
            with self._lock:
                self.stats.timeouts += 1
            raise FunctionFailedError(f"Task timed out after {self.spec.timeout_s:.2f} seconds") from exc
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
        if kind == "error":
            with self._lock:
                self.stats.errors += 1
            raise FunctionFailedError(f"{payload['errorType']}: {payload['errorMessage']}")
        return payload

    def environment_pids(self) -> list[int]:
        with self._lock:
            return [env.process.pid for env in self._all if env.process.pid]

    def close(self) -> None:
        with self._lock:
            environments, self._all, self._idle = self._all, [], []
        for env in environments:
            env.kill()


def environment_context() -> Any:
    """A forkserver context with the heavy imports preloaded, so each cold start costs little."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx
