"""Unit tier: fakes and moto's in-process mock, with tables and queues built from template.yaml."""

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from flashdeal.adapters.aws import aws_client
from flashdeal.settings import OrderApiSettings
from flashlab.resources import LocalResources, create_resources
from flashlab.template import Template


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalResources]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        aws_client.cache_clear()
        yield create_resources(Template(), boto3.client("dynamodb"), boto3.client("sqs"))
    aws_client.cache_clear()


@pytest.fixture
def sales_table(aws: LocalResources) -> str:
    return aws.tables["SalesTable"]


@pytest.fixture
def settings(aws: LocalResources) -> OrderApiSettings:
    """The order API's settings, aimed at the mocked tables and queue."""
    return OrderApiSettings(
        SALES_TABLE=aws.tables["SalesTable"],
        IDEMPOTENCY_TABLE=aws.tables["IdempotencyTable"],
        ORDERS_QUEUE_URL=aws.queues["OrdersQueue"],
    )
