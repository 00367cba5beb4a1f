"""The Idempotency-Key, kept in DynamoDB by Powertools: a retried call answers what the first one did."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer

from flashdeal.adapters.aws import aws_client
from flashdeal.observability import metrics


def count_replay(response: Any, idempotent_data: DataRecord) -> Any:
    """Response hook: the same key and body came again; answer as the first time."""
    metrics.add_metric(name="IdempotentReplays", unit=MetricUnit.Count, value=1)
    return response


def retry_safe(
    argument: str, key: str, payload: str, table: str, ttl_seconds: int
) -> tuple[IdempotencyConfig, Callable[[Callable[..., Any]], Callable[..., Any]]]:
    """(the config, to register each invocation's context; the decorator for the function to protect).

    ``argument`` is the pydantic model the function takes by keyword; ``key`` and ``payload`` are JMESPath
    into it: what names the call, and what a retry must repeat exactly (else 422 idempotency_key_reused).
    """
    config = IdempotencyConfig(
        event_key_jmespath=key,
        payload_validation_jmespath=payload,
        expires_after_seconds=ttl_seconds,
        response_hook=count_replay,
    )
    decorator = idempotent_function(
        data_keyword_argument=argument,
        config=config,
        persistence_store=DynamoDBPersistenceLayer(table_name=table, boto3_client=aws_client("dynamodb")),
        output_serializer=PydanticSerializer,
    )
    return config, decorator
