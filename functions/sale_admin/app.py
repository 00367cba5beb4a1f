"""Admin routes (AWS_IAM in AWS): create a sale in Postgres and in the API's DynamoDB state. Retry-safe:
the same Idempotency-Key and body answer the first 201 again instead of creating a second sale."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from flashdeal.adapters.postgres import get_connection
from flashdeal.http_errors import register_error_handlers
from flashdeal.idempotency import retry_safe
from flashdeal.observability import logger, metrics
from flashdeal.orders import IdempotencyKey
from flashdeal.sale_creation import create_sale
from flashdeal.sales import CreateSale, SaleCreated, SaleRequest
from flashdeal.settings import SaleAdminSettings
from flashdeal.tracing import tracer

settings = SaleAdminSettings()
app = APIGatewayRestResolver(enable_validation=True)
register_error_handlers(app)
idempotency, idempotent = retry_safe(
    "create",
    key="idempotency_key",
    payload="request",
    table=settings.idempotency_table,
    ttl_seconds=settings.idempotency_ttl_seconds,
)


@idempotent
def create_idempotently(create: CreateSale) -> SaleCreated:
    return create_sale(
        create.request, get_connection(settings), settings.sales_table, default_margin=settings.backlog_margin_percent
    )


@app.post("/sales")
def handle_create_sale(
    sale: SaleRequest, idempotency_key: Annotated[IdempotencyKey, Header()]
) -> Response[SaleCreated]:
    created = create_idempotently(create=CreateSale(idempotency_key=idempotency_key, request=sale))
    return Response(201, "application/json", created.model_dump(mode="json"), {"Location": f"/sales/{created.sale_id}"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    return app.resolve(event, context)
