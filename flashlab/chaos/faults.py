"""Faults inside execution environments, switched on by the chaos runner through a shared budget file.

``FLASHLAB_FAULTS`` names a JSON file ``{fault: injections left}``. Each environment installs the hooks
at its cold start (flashlab.local.runtime) and takes one injection from the budget, under a file lock,
each time a hook fires; an empty budget means no fault. This is lab code: never deployed.
"""

import fcntl
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import EndpointConnectionError

BUDGET_ENV = "FLASHLAB_FAULTS"
KILL_AFTER_COMMIT = "worker_killed_after_commit"
HANG_IN_TRANSACTION = "worker_outlives_timeout"
AWS_ERRORS = "aws_errors"


def arm(path: Path, budget: dict[str, int]) -> None:
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(budget))


def left(path: Path) -> dict[str, int]:
    """The injections still to fire, read under the lock (an environment may be writing)."""
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        handle.seek(0)
        return dict(json.loads(handle.read() or "{}"))


def take(fault: str) -> bool:
    """True once per injection left for ``fault``."""
    path = os.environ.get(BUDGET_ENV)
    if not path or not Path(path).exists():
        return False
    with open(path, "r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        budget = json.loads(handle.read() or "{}")
        if budget.get(fault, 0) <= 0:
            return False
        budget[fault] -= 1
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(budget))
    return True


def install(function: str, timeout_s: float) -> None:
    """Hooks for one environment, before its handler module is imported. ``timeout_s`` is the longest the
    runtime waits for an invocation (a cold start's first one gets the init phase's 10 s on top)."""
    if not os.environ.get(BUDGET_ENV):
        return
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-send", _refuse_aws_call)  # type: ignore[union-attr]
    if function != "OrderWorkerFunction":
        return
    import flashdeal.settlement.single as single
    import flashdeal.settlement.status_sync as status_sync

    publish, settle = status_sync.publish_outcome, single.settle_one_by_one

    def publish_or_die(*args: Any, **kwargs: Any) -> Any:
        if take(KILL_AFTER_COMMIT):  # settle_batch has committed; nothing is published yet
            os.kill(os.getpid(), signal.SIGKILL)
        return publish(*args, **kwargs)

    def settle_or_hang(conn: Any, messages: Any, *args: Any, **kwargs: Any) -> Any:
        if not take(HANG_IN_TRANSACTION):
            return settle(conn, messages, *args, **kwargs)
        with conn.transaction():  # mid-settlement, nothing committed, the sale's inventory rows locked
            conn.execute("SELECT 1 FROM inventory_shards WHERE sale_id = %s FOR UPDATE", (messages[0].sale_id,))
            time.sleep(timeout_s + 5)  # past the longest the runtime waits
        raise AssertionError("the runtime kills an environment that outlives its timeout")

    status_sync.publish_outcome = publish_or_die
    single.settle_one_by_one = settle_or_hang


def _refuse_aws_call(request: Any, **kwargs: Any) -> None:
    if take(AWS_ERRORS):
        raise EndpointConnectionError(endpoint_url=str(getattr(request, "url", "aws")))
