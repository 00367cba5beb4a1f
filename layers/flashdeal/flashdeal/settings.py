"""One settings model per function, read from the environment and validated at cold start."""

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class _FunctionSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    sales_table: str = Field(min_length=1, validation_alias="SALES_TABLE")
    stage: Literal["local", "dev", "prod"] = Field(default="dev", validation_alias="STAGE")


class DatabaseSettings(_FunctionSettings):
    """Postgres: ``DATABASE_URL`` locally; in AWS a Secrets Manager secret plus the RDS Proxy host."""

    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    db_secret_arn: str | None = Field(default=None, validation_alias="DB_SECRET_ARN")
    db_host: str | None = Field(default=None, validation_alias="DB_HOST")
    db_name: str | None = Field(default=None, validation_alias="DB_NAME")
    statement_timeout_ms: int = Field(default=5000, gt=0, validation_alias="DB_STATEMENT_TIMEOUT_MS")
    lock_timeout_ms: int = Field(default=2000, gt=0, validation_alias="DB_LOCK_TIMEOUT_MS")

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if not (self.database_url or self.db_secret_arn):
            raise ValueError("set DATABASE_URL or DB_SECRET_ARN")
        return self


class MigratorSettings(DatabaseSettings):
    """The migration function: DDL may wait for locks and run for minutes, so its timeouts are its own."""

    statement_timeout_ms: int = Field(default=240_000, gt=0, validation_alias="DB_STATEMENT_TIMEOUT_MS")
    lock_timeout_ms: int = Field(default=10_000, gt=0, validation_alias="DB_LOCK_TIMEOUT_MS")


class OrderApiSettings(_FunctionSettings):
    idempotency_table: str = Field(min_length=1, validation_alias="IDEMPOTENCY_TABLE")
    orders_queue_url: str = Field(min_length=1, validation_alias="ORDERS_QUEUE_URL")
    idempotency_ttl_seconds: int = Field(default=3600, ge=60, validation_alias="IDEMPOTENCY_TTL_SECONDS")
    sale_state_ttl_seconds: float = Field(default=1.0, ge=0, validation_alias="SALE_STATE_TTL_SECONDS")
    pending_retry_after_seconds: int = Field(default=1, ge=1, validation_alias="PENDING_RETRY_AFTER_SECONDS")
    # POSTs per buyer per clock minute, counted in DynamoDB so it holds across environments; 0: no limit
    buyer_requests_per_minute: int = Field(default=60, ge=0, validation_alias="BUYER_REQUESTS_PER_MINUTE")

    @property
    def local_identity(self) -> bool:
        """Only Stage=local has no authorizer in front of the buyer routes; see flashdeal.principal."""
        return self.stage == "local"


class SaleAdminSettings(DatabaseSettings):
    idempotency_table: str = Field(min_length=1, validation_alias="IDEMPOTENCY_TABLE")
    idempotency_ttl_seconds: int = Field(default=3600, ge=60, validation_alias="IDEMPOTENCY_TTL_SECONDS")
    # a new sale's backlog margin unless its request names one: "off", or percent of the inventory (sales.py)
    backlog_margin_percent: Literal["off"] | Annotated[int, Field(ge=0, le=1000)] = Field(
        default=0, validation_alias="BACKLOG_MARGIN_PERCENT"
    )


class OrderWorkerSettings(DatabaseSettings):
    # false: settle in Postgres only, write nothing to DynamoDB (the contention lab; never in a deploy)
    publish_status: bool = Field(default=True, validation_alias="PUBLISH_STATUS")


class ReconcilerSettings(DatabaseSettings):
    orders_dlq_url: str = Field(min_length=1, validation_alias="ORDERS_DLQ_URL")
    pending_after_seconds: int = Field(default=120, ge=1, validation_alias="RECONCILE_PENDING_AFTER_SECONDS")
