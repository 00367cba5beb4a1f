"""Applies db/migrations from inside the VPC: on every deploy, as the MigrateDatabase custom resource, and
on demand (`make migrate ENV=dev`, which invokes it with an empty event).

The runner is the deploy runner everyone uses (db.migrate): each file once, in order, in its own
transaction, and an edited migration refused. A deploy whose migrations fail is answered FAILED with
the reason, so CloudFormation rolls it back. Deleting the stack never touches the data.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from db.migrate import apply_migrations
from flashdeal.adapters import custom_resource
from flashdeal.adapters.postgres import connect
from flashdeal.observability import logger
from flashdeal.settings import MigratorSettings

settings = MigratorSettings()
ANSWER_MARGIN_MS = 15_000  # time kept to answer CloudFormation after the last statement


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "RequestType" not in event:  # on demand
        return {"applied": migrate(context)}
    physical_id = event.get("PhysicalResourceId") or f"{event['LogicalResourceId']}-{event['StackId'][-12:]}"
    try:
        applied = [] if event["RequestType"] == "Delete" else migrate(context)
    except Exception as exc:  # every failure must reach CloudFormation, or it waits an hour
        logger.exception("migrations failed", extra={"request_type": event["RequestType"]})
        custom_resource.answer(event, "FAILED", physical_id, reason=f"{type(exc).__name__}: {exc}")
        return {"status": "FAILED"}
    logger.info("migrations applied", extra={"request_type": event["RequestType"], "applied": applied})
    custom_resource.answer(event, "SUCCESS", physical_id, data={"Applied": ",".join(applied) or "none"})
    return {"status": "SUCCESS", "applied": applied}


def migrate(context: LambdaContext) -> list[str]:
    """The migrations this call applied, with statements cut off before the invocation's own timeout."""
    budget_ms = max(1_000, context.get_remaining_time_in_millis() - ANSWER_MARGIN_MS)
    timeouts = {"statement_timeout_ms": min(settings.statement_timeout_ms, budget_ms)}
    with connect(settings.model_copy(update=timeouts)) as conn:
        return apply_migrations(conn)
