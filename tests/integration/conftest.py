"""Integration tier: the real handlers in-process, a real Postgres (db/ migrations applied), moto's server for
SQS and Secrets Manager, and DynamoDB on dynalite, as in the embedded stack (the unit tier runs the same
adapters on moto: both emulators stay proven faithful)."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from flashdeal.adapters.aws import aws_client
from flashlab.inprocess import InProcessStack
from flashlab.local.servers import dynalite_server
from flashlab.moto import start_moto
from flashlab.postgres import Database, start_database
from tests.factories import a_sale, admin_headers


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """pgserver in a fresh directory, or the server at $DATABASE_URL."""
    db = start_database(data_dir=Path(tmp_path_factory.mktemp("pg")), fresh=True)
    yield db
    db.stop()


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    server = dynalite_server()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def aws_endpoint(dynamodb_endpoint: str) -> Iterator[str]:
    server, endpoint = start_moto()
    endpoints = {"AWS_ENDPOINT_URL": endpoint, "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint}
    previous = {name: os.environ.get(name) for name in endpoints}
    os.environ.update(endpoints)
    aws_client.cache_clear()
    yield endpoint
    server.stop()
    aws_client.cache_clear()
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def stack(aws_endpoint: str, dynamodb_endpoint: str, database: Database) -> InProcessStack:
    return InProcessStack(aws_endpoint, database.url, dynamodb_endpoint=dynamodb_endpoint)


@pytest.fixture
def conn(database: Database) -> Iterator[psycopg.Connection]:
    with psycopg.connect(database.url, autocommit=True) as connection:
        yield connection


def _sale_factory(stack: InProcessStack):
    def create(**overrides: Any) -> dict[str, Any]:
        answer = stack.request("POST", "/sales", a_sale(**overrides), admin=True, headers=admin_headers())
        assert answer.status == 201, answer.body
        return answer.body

    return create


@pytest.fixture
def make_sale(stack: InProcessStack):
    return _sale_factory(stack)


@pytest.fixture(scope="module")
def make_sale_module(stack: InProcessStack):
    return _sale_factory(stack)
