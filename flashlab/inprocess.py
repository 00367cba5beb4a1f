"""The whole application in one process: template functions, moto, Postgres. Used by the integration tests.

HTTP requests become REST API proxy events through the template's routes; queued orders reach the worker
as SQS batches. No emulation of concurrency limits here: that is the embedded stack's job.
"""

import json
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from flashlab.events import queue_arn, response_headers, rest_event, sqs_event, sqs_record
from flashlab.handlers import Handler, load_handler, module_key
from flashlab.lambda_context import LocalLambdaContext
from flashlab.moto import local_client
from flashlab.resources import LocalResources, create_resources
from flashlab.rest_api import RestApi
from flashlab.routing import Router
from flashlab.template import FunctionSpec, Template


@dataclass
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: Any


class InProcessStack:
    def __init__(
        self, endpoint: str, database_url: str, template: Template | None = None, dynamodb_endpoint: str | None = None
    ) -> None:
        self.template = template or Template()
        self.sqs = local_client("sqs", endpoint)
        self.dynamodb = local_client("dynamodb", dynamodb_endpoint or endpoint)
        self.resources: LocalResources = create_resources(self.template, self.dynamodb, self.sqs)
        self.functions: dict[str, FunctionSpec] = self.template.functions()
        env: dict[str, str] = {}
        for spec in self.functions.values():
            env |= self.resources.environment(spec, database_url)
        self.handlers: dict[str, Handler] = {name: load_handler(spec, env) for name, spec in self.functions.items()}
        self.api = RestApi(self.template)
        self.router = Router(self.api.routes())
        self.worker = next(spec for spec in self.functions.values() if spec.sqs is not None)

    def module(self, function: str) -> ModuleType:
        return sys.modules[module_key(self.functions[function])]

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        spec = self.functions[function]
        return self.handlers[function](event, LocalLambdaContext(spec.name, spec.timeout_s, spec.memory_mb))

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        user: str | None = None,
        admin: bool = False,
        raw_body: str | bytes | None = None,
    ) -> HttpAnswer:
        match = self.router.match(method, path)
        route = match.route if match else None
        assert route is not None, f"no route for {method} {path}"
        text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
        event = rest_event(
            method,
            route.path,
            path,
            stage=self.api.stage,
            path_parameters=match.path_parameters if match else None,
            body=text,
            headers={"content-type": "application/json", **(headers or {})},
            claims={"sub": user} if user else None,
            iam_user="admin" if admin else None,
        )
        answer = self.invoke(route.function, event)
        payload = answer.get("body")
        return HttpAnswer(answer["statusCode"], response_headers(answer), json.loads(payload) if payload else None)

    def settle_queued(self, batch_size: int = 10, max_batches: int = 10_000) -> list[dict[str, Any]]:
        """Feeds queued orders to the worker in batches until the queue is empty; returns its responses."""
        assert self.worker.sqs is not None
        url = self.resources.queues[self.worker.sqs.queue]
        responses = []
        for _ in range(max_batches):
            messages = self.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(batch_size, 10),
                AttributeNames=["All"],
                VisibilityTimeout=0,
            ).get("Messages", [])
            if not messages:
                break
            responses.append(self.deliver([m["Body"] for m in messages], [m["MessageId"] for m in messages]))
            failed = {f["itemIdentifier"] for f in responses[-1].get("batchItemFailures", [])}
            done = [m for m in messages if m["MessageId"] not in failed]
            for m in done:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            if failed:
                break  # leave failures for the caller to inspect
        return responses

    def deliver(self, bodies: list[str], message_ids: list[str] | None = None) -> dict[str, Any]:
        """Invokes the worker with one SQS batch made of these bodies."""
        assert self.worker.sqs is not None
        arn = queue_arn(self.worker.sqs.queue)
        records = [
            sqs_record(body, arn, message_id=(message_ids[i] if message_ids else None)) for i, body in enumerate(bodies)
        ]
        return self.invoke(self.worker.name, sqs_event(records))
