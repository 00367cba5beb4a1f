"""Buyer routes: read a sale, place an order (202 + queue), follow an order. Never touches Postgres."""

from typing import Annotated, Any
from uuid import UUID

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from flashdeal.buying import accept_order, get_order, get_sale, place_order
from flashdeal.http_errors import register_error_handlers
from flashdeal.idempotency import retry_safe
from flashdeal.observability import logger, metrics
from flashdeal.orders import IdempotencyKey, OrderAccepted, OrderRequest, OrderStatus, OrderView, PlaceOrder
from flashdeal.principal import buyer_id
from flashdeal.readiness import OK, check_dependencies
from flashdeal.sales import SaleView
from flashdeal.settings import OrderApiSettings

settings = OrderApiSettings()
app = APIGatewayRestResolver(enable_validation=True)
register_error_handlers(app)
idempotency, idempotent = retry_safe(
    "place",
    "[user_id, idempotency_key]",
    "[sale_id, quantity]",
    settings.idempotency_table,
    settings.idempotency_ttl_seconds,
)


@idempotent
def accept_idempotently(place: PlaceOrder) -> OrderAccepted:
    return accept_order(place, settings)


@app.post("/sales/<sale_id>/orders")
def handle_place_order(
    sale_id: UUID, order: OrderRequest, idempotency_key: Annotated[IdempotencyKey, Header()]
) -> Response[OrderAccepted]:
    place = PlaceOrder(
        sale_id=sale_id,
        user_id=buyer_id(app.current_event, settings.local_identity),
        idempotency_key=idempotency_key,
        quantity=order.quantity,
    )
    accepted = place_order(place, settings, accept=lambda p: accept_idempotently(place=p))
    return Response(202, "application/json", accepted.model_dump(mode="json"), {"Location": accepted.status_url})


@app.get("/sales/<sale_id>")
def handle_get_sale(sale_id: UUID) -> SaleView:
    return get_sale(sale_id, settings.sales_table)


@app.get("/orders/<order_id>")
def handle_get_order(order_id: UUID) -> Response[OrderView]:
    view = get_order(order_id, buyer_id(app.current_event, settings.local_identity), settings)
    # Paces pollers: a PENDING order says when to look again, so polling cannot crowd out buying.
    pace = {"Retry-After": str(settings.pending_retry_after_seconds)} if view.status is OrderStatus.PENDING else {}
    return Response(200, "application/json", view.model_dump(mode="json"), pace)


@app.get("/health")
def handle_get_health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/health/ready")
def handle_get_readiness() -> Response[dict[str, Any]]:
    checks = check_dependencies(settings)
    failing = sorted(name for name, state in checks.items() if state != OK)
    if not failing:
        return Response(200, "application/json", {"status": "ready", "checks": checks})
    message = f"unavailable: {', '.join(failing)}"
    body = {"status": "not_ready", "error": "not_ready", "message": message, "checks": checks}
    return Response(503, "application/json", body, {"Retry-After": "5"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    return app.resolve(event, context)
