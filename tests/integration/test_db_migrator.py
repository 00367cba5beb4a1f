"""The migration function (template.yaml's DbMigratorFunction), run by the local Lambda emulation against a
new database on the embedded Postgres, answering CloudFormation's custom-resource contract to a local URL.
"""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from db.migrate import MIGRATIONS
from flashlab.handlers import load_handler
from flashlab.lambda_context import LocalLambdaContext
from flashlab.resources import LocalResources
from flashlab.template import Template

EVERY_MIGRATION = sorted(path.name for path in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql"))


class CloudFormation:
    """The pre-signed S3 URL a custom resource answers to: keeps each PUT's body."""

    def __init__(self) -> None:
        answers = self.answers = []

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                answers.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/stack-response?signed=1"

    def request(self, request_type: str, physical_id: str | None = None) -> dict[str, Any]:
        event = {
            "RequestType": request_type,
            "ServiceToken": "arn:aws:lambda:us-east-1:000000000000:function:migrator:live",
            "ResponseURL": self.url,
            "StackId": "arn:aws:cloudformation:us-east-1:000000000000:stack/flashdeal-dev/0f1e2d3c-4b5a-6978",
            "RequestId": str(uuid4()),
            "LogicalResourceId": "MigrateDatabase",
            "ResourceType": "Custom::DatabaseMigrations",
            "ResourceProperties": {"CodeVersion": "3"},
        }
        return event | ({"PhysicalResourceId": physical_id} if physical_id else {})


@pytest.fixture
def empty_database(database) -> Iterator[str]:
    name = f"migrations_{uuid4().hex[:8]}"
    with psycopg.connect(database.url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        yield psycopg.conninfo.make_conninfo(database.url, dbname=name)
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def cold_start(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The function's handler after a cold start with its template environment (restored afterwards)."""
    spec = Template().functions()["DbMigratorFunction"]
    for name, value in LocalResources(tables={}, queues={}).environment(spec, database_url).items():
        monkeypatch.setenv(name, value)
    handler = load_handler(spec)

    def invoke(event: dict[str, Any]) -> Any:
        return handler(event, LocalLambdaContext(spec.name, spec.timeout_s))

    return invoke


@pytest.fixture
def migrator(empty_database, monkeypatch):
    return cold_start(empty_database, monkeypatch)


@pytest.fixture
def cloudformation() -> Iterator[CloudFormation]:
    stack = CloudFormation()
    yield stack
    stack.server.shutdown()


def applied(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]


def test_create_applies_every_migration_and_answers_success(migrator, cloudformation, empty_database):
    event = cloudformation.request("Create")
    migrator(event)
    (answer,) = cloudformation.answers
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["Data"] == {"Applied": ",".join(EVERY_MIGRATION)}
    assert (answer["RequestId"], answer["LogicalResourceId"]) == (event["RequestId"], "MigrateDatabase")
    assert answer["PhysicalResourceId"]
    assert applied(empty_database) == EVERY_MIGRATION


def test_update_applies_only_what_is_new_and_keeps_the_physical_id(migrator, cloudformation):
    migrator(cloudformation.request("Create"))
    physical_id = cloudformation.answers[0]["PhysicalResourceId"]
    migrator(cloudformation.request("Update", physical_id))
    answer = cloudformation.answers[1]
    assert (answer["Status"], answer["PhysicalResourceId"], answer["Data"]) == (
        "SUCCESS",
        physical_id,
        {"Applied": "none"},
    )


def test_an_edited_migration_fails_the_deploy_with_the_reason(migrator, cloudformation, empty_database):
    migrator(cloudformation.request("Create"))
    with psycopg.connect(empty_database) as conn:  # as if 0002 had been edited after it was applied
        conn.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE name LIKE '0002_%'")
    migrator(cloudformation.request("Update", cloudformation.answers[0]["PhysicalResourceId"]))
    answer = cloudformation.answers[1]
    assert answer["Status"] == "FAILED"
    assert "0002_" in answer["Reason"]
    assert "add a new migration instead" in answer["Reason"]


def test_an_unreachable_database_fails_the_deploy_instead_of_leaving_it_waiting(cloudformation, monkeypatch):
    migrator = cold_start("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1", monkeypatch)
    migrator(cloudformation.request("Create"))
    (answer,) = cloudformation.answers
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("StoreUnavailableError")


def test_delete_answers_success_and_leaves_the_schema(migrator, cloudformation, empty_database):
    migrator(cloudformation.request("Create"))
    migrator(cloudformation.request("Delete", cloudformation.answers[0]["PhysicalResourceId"]))
    assert cloudformation.answers[1]["Status"] == "SUCCESS"
    assert applied(empty_database) == EVERY_MIGRATION


def test_an_invocation_without_cloudformation_migrates_and_says_what_it_applied(migrator, empty_database):
    assert migrator({}) == {"applied": EVERY_MIGRATION}
    assert migrator({}) == {"applied": []}
