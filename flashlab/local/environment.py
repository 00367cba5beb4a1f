"""Lambda execution environments: each one its own process, initialised once, then invoked over a pipe.

As in Lambda: an environment runs one invocation at a time; its module state (the cached database
connection) survives between invocations while it is warm and is never shared with another one; the
first invocation pays the init (cold start); an invocation that outlives its time limit kills it. What the
handler prints goes to the terminal, except EMF lines, which travel back with the answer for CloudWatch.
"""

import multiprocessing
import os
import sys
import warnings
from multiprocessing.connection import Connection
from typing import Any

from flashlab.chaos.faults import install as install_faults
from flashlab.handlers import load_handler
from flashlab.lambda_context import LocalLambdaContext
from flashlab.local import aws_calls
from flashlab.local.emf import StdoutTap
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


class FunctionFailedError(Exception):
    """The handler raised, or ran past its Timeout."""


def _serve(conn: Connection, function: str, environment: dict[str, str], overrides: dict[str, Any]) -> None:
    """One execution environment: init (cold start) once, then invocations until the pipe closes."""
    os.environ.update(environment)
    spec = Template(overrides).functions()[function]
    sys.stdout = tap = StdoutTap(sys.stdout)  # EMF lines go back with each answer, for CloudWatch
    # Powertools warns on every invocation that emits no metric (GET /health...); in AWS that lands in the
    # function's log, here it would flood the terminal.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
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
            conn.send(("error", init_error, {}, tap.take()))
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
        conn.send((*answer, aws_calls.take(), tap.take()))


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

    def invoke(self, event: dict[str, Any], timeout_s: float) -> tuple[str, Any, dict[str, int], list[str]]:
        """(ok or error, the handler's answer or error, the AWS calls it made, the EMF lines it printed)."""
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


def environment_context() -> Any:
    """A forkserver context with the heavy imports preloaded, so each cold start costs little."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx
