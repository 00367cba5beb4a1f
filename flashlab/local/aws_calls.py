"""Counts the AWS calls an execution environment makes, by ``service.Operation``, as X-Ray would show them.

Installed at each cold start (flashlab.local.runtime); the runtime takes the counts after every
invocation, so ``GET /_local/stats`` can say how many calls an accepted or a rejected order costs.
``watch_item_writes`` also counts a client's DynamoDB writes by the kind of item written (its key's
prefix: SALE, ORDER, PURCHASE, ...; the idempotency table's items as ``id``): one sale's item is one
partition, with its own write ceiling, and each table has its own. It parses each request, so only the
tests that ask for it pay for it, not the stack's every call.
"""

import json
from collections import Counter
from typing import Any

import boto3

_calls: Counter[str] = Counter()
_item_writes: Counter[str] = Counter()
_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}


def install() -> None:
    """Counts the calls of every client created from now on in this process."""
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-call", _count, unique_id="flashlab.aws_calls")  # type: ignore[union-attr]


def watch(client: Any) -> None:
    """Counts the calls of a client that exists already."""
    client.meta.events.register("before-call", _count, unique_id="flashlab.aws_calls")


def watch_item_writes(dynamodb: Any) -> None:
    """Counts a DynamoDB client's writes by the kind of item written (see ``take_item_writes``)."""
    dynamodb.meta.events.register("before-call.dynamodb", _count_item_write, unique_id="flashlab.item_writes")


def _count(model: Any, **kwargs: Any) -> None:
    _calls[f"{model.service_model.service_name}.{model.name}"] += 1


def _count_item_write(model: Any, params: Any, **kwargs: Any) -> None:
    if model.name in _WRITES:
        request = json.loads(params["body"])
        key = request.get("Key") or request.get("Item") or {}
        _item_writes[key["pk"]["S"].split("#")[0] if "pk" in key else "id" if "id" in key else "?"] += 1


def take() -> dict[str, int]:
    """The calls since the last ``take``."""
    taken = dict(_calls)
    _calls.clear()
    return taken


def take_item_writes() -> dict[str, int]:
    """DynamoDB writes by the kind of item written, since the last call."""
    taken = dict(_item_writes)
    _item_writes.clear()
    return taken
