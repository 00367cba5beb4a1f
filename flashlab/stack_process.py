"""Runs ``python -m flashlab.local`` as a child process and waits for its ``ready`` line.

Used by ``make demo``, the e2e fixture and ``make load``: the stack they talk to is the same one a user
starts by hand with ``make local``.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flashlab import REPO_ROOT

READY = re.compile(
    r"^ready (?P<api>\S+) aws=(?P<aws>\S+) sqs=(?P<sqs>\S*) dynamodb=(?P<ddb>\S+) postgres=(?P<pg>\S+)"
    r" admin_token=(?P<token>\S+)"
)


@dataclass
class RunningStack:
    api_url: str
    aws_url: str
    sqs_url: str
    database_url: str
    admin_token: str
    dynamodb_url: str = ""
    process: subprocess.Popen[str] | None = None
    output: deque[str] = field(default_factory=lambda: deque(maxlen=200))
    data_dir: str | None = None  # the embedded Postgres' directory, when the caller chose it

    def stop(self, timeout_s: float = 60) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_stack(*args: str, timeout_s: float = 120, echo: bool = False) -> RunningStack:
    """Starts the embedded stack on free ports; extra ``args`` go to ``python -m flashlab.local``."""
    command = [sys.executable, "-m", "flashlab.local", "--port", "0", "--aws-port", "0", *args]
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    lines: deque[str] = deque(maxlen=200)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if echo:
            print(f"  [stack] {line.rstrip()}", flush=True)
        found = READY.match(line.strip())
        if found:
            stack = RunningStack(
                found["api"],
                found["aws"],
                found["sqs"] or found["aws"],
                found["pg"],
                found["token"],
                found["ddb"],
                process,
                lines,
            )
            threading.Thread(target=_drain, args=(process, lines, echo), daemon=True).start()
            return stack
    process.kill()
    raise RuntimeError("the embedded stack did not become ready:\n" + "\n".join(lines))


def _drain(process: subprocess.Popen[str], lines: deque[str], echo: bool) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip())
        if echo:
            print(f"  [stack] {line.rstrip()}", flush=True)


@contextmanager
def api_under_test(
    url: str | None, admin_token: str, database_url: str | None, *stack_args: str
) -> Iterator[RunningStack]:
    """The FlashDeal API at ``url`` as it is, or (no url) the embedded stack, started here and stopped after."""
    if url:
        yield RunningStack(url.rstrip("/"), "", "", database_url or "", admin_token)
        return
    print("starting the embedded stack...", flush=True)
    begun = time.perf_counter()
    stack = start_stack(*stack_args)
    print(f"stack ready at {stack.api_url} after {time.perf_counter() - begun:.1f} s", flush=True)
    try:
        yield stack
    finally:
        stack.stop()
