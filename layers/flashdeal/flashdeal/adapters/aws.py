"""boto3 clients, created once per execution environment.

Every client honours ``AWS_ENDPOINT_URL`` (and the per-service ``AWS_ENDPOINT_URL_SQS`` and friends),
through boto3's own endpoint configuration, so the same code talks to moto, LocalStack or AWS.
"""

from collections.abc import Callable
from functools import cache
from typing import Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from flashdeal.errors import StoreUnavailableError

_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})


ServiceName = Literal["dynamodb", "sqs", "secretsmanager"]


@cache
def aws_client(service: ServiceName) -> Any:
    return boto3.client(service, config=_CONFIG)


_PROBE_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "max_attempts": 1})


@cache
def aws_probe_client(service: ServiceName) -> Any:
    """For readiness checks: one short attempt, so a dead dependency is reported in seconds."""
    return boto3.client(service, config=_PROBE_CONFIG)


AwsError = (BotoCoreError, ClientError)  # every way a call can fail: no answer at all, or an error answer


def error_code(exc: Exception) -> str:
    """The AWS error code of a failed call; empty when the call got no answer (network, timeout)."""
    return str(exc.response["Error"]["Code"]) if isinstance(exc, ClientError) else ""


def conditional_write(write: Callable[..., dict[str, Any]], failure: str, **request: Any) -> dict[str, Any] | None:
    """Calls a DynamoDB write with a ConditionExpression: its answer, or None when the condition failed.

    Any other failure becomes StoreUnavailableError(``failure``), the one place these writes translate it.
    """
    try:
        return write(**request)
    except AwsError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return None
        raise StoreUnavailableError(failure) from exc
