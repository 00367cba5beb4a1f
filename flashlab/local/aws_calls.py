"""Counts the AWS calls an execution environment makes, by ``service.Operation``, as X-Ray would show them.

Installed at each cold start (flashlab.local.runtime); the runtime takes the counts after every
invocation, so ``GET /_local/stats`` can say how many calls an accepted or a rejected order costs.
"""

from collections import Counter
from typing import Any

import boto3

_calls: Counter[str] = Counter()


def install() -> None:
    """Counts the calls of every client created from now on in this process."""
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-call", _count, unique_id="flashlab.aws_calls")  # type: ignore[union-attr]


def watch(client: Any) -> None:
    """Counts the calls of a client that exists already."""
    client.meta.events.register("before-call", _count, unique_id="flashlab.aws_calls")


def _count(model: Any, **kwargs: Any) -> None:
    _calls[f"{model.service_model.service_name}.{model.name}"] += 1


def take() -> dict[str, int]:
    """The calls since the last ``take``."""
    taken = dict(_calls)
    _calls.clear()
    return taken
