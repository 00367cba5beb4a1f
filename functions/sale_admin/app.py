"""Admin routes (AWS_IAM in AWS): create a sale in Postgres and in the API's DynamoDB state."""

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from flashdeal.adapters.postgres import database_errors, get_connection
from flashdeal.http_errors import register_error_handlers
from flashdeal.observability import logger, metrics, tracer
from flashdeal.sales import SaleCreated, SaleRequest
from flashdeal.selling import create_sale
from flashdeal.settings import SaleAdminSettings

settings = SaleAdminSettings()
app = APIGatewayRestResolver(enable_validation=True)
register_error_handlers(app)


@app.post("/sales")
def handle_create_sale(sale: SaleRequest) -> Response[SaleCreated]:
    with database_errors():
        created = create_sale(sale, get_connection(settings), settings.sales_table)
    return Response(201, "application/json", created.model_dump(mode="json"), {"Location": f"/sales/{created.sale_id}"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
