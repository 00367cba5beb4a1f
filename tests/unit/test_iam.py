"""Least privilege, read from template.yaml: each function may do exactly what its code does, no more."""

from typing import Any

import pytest

from flashlab.template import Template

GET, PUT, UPDATE, DELETE = "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"
IDEMPOTENCY_RECORDS = {GET, PUT, UPDATE, DELETE}  # what Powertools' DynamoDB persistence layer calls
EXPECTED = {
    "OrderApiFunction": {
        "SalesTable": {GET, PUT, UPDATE, DELETE},
        "IdempotencyTable": IDEMPOTENCY_RECORDS,
        "OrdersQueue": {"sqs:SendMessage", "sqs:GetQueueAttributes"},
    },
    "SaleAdminFunction": {"SalesTable": {PUT}, "IdempotencyTable": IDEMPOTENCY_RECORDS},
    "OrderWorkerFunction": {"SalesTable": {GET, UPDATE}},
    "ReconcilerFunction": {
        "SalesTable": {"dynamodb:Scan", GET, UPDATE},
        "OrdersDLQ": {"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility"},
    },
    "DbMigratorFunction": {},  # its database secret only (every Postgres function has that)
}


def grants(function: dict[str, Any]) -> dict[str, set[str]]:
    """Actions by resource logical id, from the function's inline statements."""
    found: dict[str, set[str]] = {}
    for policy in function.get("Policies", []):
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resource = str(statement["Resource"]).split(".")[0]
            found.setdefault(resource, set()).update(actions)
    return found


@pytest.fixture(scope="module")
def functions() -> dict[str, dict[str, Any]]:
    return Template().of_type("AWS::Serverless::Function")


def test_every_function_has_exactly_its_grants(functions):
    assert {name: grants(props) for name, props in functions.items()} == EXPECTED


def test_no_function_uses_a_broad_managed_policy_or_a_wildcard(functions):
    for name, props in functions.items():
        for policy in props.get("Policies", []):
            [(kind, _)] = policy.items()
            assert kind in ("Statement", "AWSSecretsManagerGetSecretValuePolicy"), f"{name}: {kind}"
        for actions in grants(props).values():
            assert not any("*" in action for action in actions), name


def test_only_the_reconciler_can_scan_and_only_the_api_can_delete_order_state(functions):
    scanners = {n for n, p in functions.items() if any("dynamodb:Scan" in a for a in grants(p).values())}
    deleters = {n for n, p in functions.items() if DELETE in grants(p).get("SalesTable", set())}
    assert (scanners, deleters) == ({"ReconcilerFunction"}, {"OrderApiFunction"})


@pytest.mark.parametrize("table", ["SalesTable", "IdempotencyTable"])
def test_tables_survive_a_stack_delete_and_can_be_restored_to_any_second(table):
    resource = Template().resources[table]
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert resource["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
