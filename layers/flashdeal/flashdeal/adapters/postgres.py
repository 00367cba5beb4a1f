"""One Postgres connection per execution environment, opened lazily and reused while warm."""

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from aws_lambda_powertools.utilities.parameters import SecretsProvider

from flashdeal.adapters.aws import aws_client
from flashdeal.errors import InventoryContentionError, StoreUnavailableError
from flashdeal.settings import DatabaseSettings

_connection: psycopg.Connection | None = None


def get_connection(settings: DatabaseSettings) -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed or _connection.broken:
        _connection = connect(settings)
    return _connection


def discard_connection() -> None:
    """Drops the cached connection after a connection-level failure; the next call reconnects."""
    global _connection
    if _connection is not None:
        _connection.close()
    _connection = None


def connect(settings: DatabaseSettings) -> psycopg.Connection:
    options = f"-c statement_timeout={settings.statement_timeout_ms} -c lock_timeout={settings.lock_timeout_ms}"
    try:
        return psycopg.connect(
            conninfo(settings),
            autocommit=True,
            options=options,
            connect_timeout=5,
            application_name=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "flashdeal"),
        )
    except psycopg.OperationalError as exc:
        raise StoreUnavailableError("cannot connect to Postgres") from exc


def conninfo(settings: DatabaseSettings) -> str:
    if settings.database_url:
        return settings.database_url
    assert settings.db_secret_arn is not None  # guaranteed by DatabaseSettings
    provider = SecretsProvider(boto3_client=aws_client("secretsmanager"))
    secret = provider.get(settings.db_secret_arn, transform="json", max_age=300)
    assert isinstance(secret, dict)
    return psycopg.conninfo.make_conninfo(
        host=settings.db_host or secret["host"],
        port=secret.get("port", 5432),
        dbname=settings.db_name or secret.get("dbname", "postgres"),
        user=secret["username"],
        password=secret["password"],
        sslmode="require" if settings.db_host else "prefer",
    )


def wait_until_durable(conn: psycopg.Connection) -> None:
    """Returns once every commit this connection has seen is on disk.

    Sharded orders commit without waiting for the disk, and their call flushes them all at its end
    (db/migrations/0009); a reader that publishes what it read calls this first, in case it read an order
    whose call has not ended. A transaction that writes WAL (here one logical message, a record of
    nothing) commits synchronously, and the WAL is flushed in order up to its commit: past every commit
    that was visible before it. The connection is in autocommit (every FlashDeal connection is).
    """
    with database_errors():
        conn.execute("SELECT pg_logical_emit_message(true, 'flashdeal.flush', '')")


@contextmanager
def transaction(conn: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """One transaction (a savepoint when nested), with driver errors translated: the one way in to Postgres."""
    with database_errors(), conn.transaction():
        yield conn


@contextmanager
def database_errors() -> Iterator[None]:
    """Translates driver failures into domain errors; a broken connection is dropped."""
    try:
        yield
    except psycopg.errors.LockNotAvailable as exc:  # waited longer than DB_LOCK_TIMEOUT_MS for a hot row
        raise InventoryContentionError(
            "waited too long for a lock on the inventory; the order will be retried"
        ) from exc
    except psycopg.OperationalError as exc:
        if _connection is not None and _connection.broken:
            discard_connection()
        raise StoreUnavailableError(f"Postgres failed: {type(exc).__name__}") from exc
