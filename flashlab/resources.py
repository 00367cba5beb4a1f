"""Creates the template's DynamoDB tables and SQS queues on any endpoint (moto, LocalStack).

The properties come from template.yaml itself, so local resources cannot drift from deployed ones.
"""

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from flashlab.template import FunctionSpec, Template

_QUEUE_ATTRIBUTES = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
)


@dataclass(frozen=True)
class LocalResources:
    tables: dict[str, str]  # logical id -> table name
    queues: dict[str, str]  # logical id -> queue URL

    def environment(self, spec: FunctionSpec, database_url: str) -> dict[str, str]:
        """A function's template environment with local names, and DATABASE_URL for Postgres."""
        env = {}
        for key, value in spec.environment.items():
            if key in ("DB_SECRET_ARN", "DB_HOST"):
                continue
            env[key] = self.queues.get(value, self.tables.get(value, value))
        if "DB_SECRET_ARN" in spec.environment:
            env["DATABASE_URL"] = database_url
            env.pop("DB_NAME", None)
        return env


def table_request(name: str, props: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {
        key: props[key] for key in ("AttributeDefinitions", "KeySchema", "BillingMode") if key in props
    }
    for index in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if index in props:
            request[index] = props[index]
    return {"TableName": name, **request}


def queue_attributes(props: dict[str, Any], queue_arns: dict[str, str]) -> dict[str, str]:
    attributes = {key: str(props[key]) for key in _QUEUE_ATTRIBUTES if key in props}
    if "RedrivePolicy" in props:
        policy = dict(props["RedrivePolicy"])
        policy["deadLetterTargetArn"] = queue_arns[str(policy["deadLetterTargetArn"]).split(".")[0]]
        policy["maxReceiveCount"] = int(policy["maxReceiveCount"])
        attributes["RedrivePolicy"] = json.dumps(policy)
    return attributes


def create_resources(
    template: Template, dynamodb: Any, sqs: Any, prefix: str = "", queue_overrides: dict[str, Any] | None = None
) -> LocalResources:
    """``queue_overrides`` replaces queue properties for lab runs (a short VisibilityTimeout, say)."""
    tables = {}
    for logical_id, props in template.of_type("AWS::DynamoDB::Table").items():
        name = prefix + logical_id
        try:
            dynamodb.create_table(**table_request(name, props))
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceInUseException":
                raise
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            try:
                dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
            except ClientError as exc:  # dynalite has no TTL API; no emulator here deletes expired items anyway
                if exc.response["Error"]["Code"] != "UnknownOperationException":
                    raise
        tables[logical_id] = name

    queues: dict[str, str] = {}
    arns: dict[str, str] = {}
    pending = template.of_type("AWS::SQS::Queue")
    # Dead-letter queues first: a redrive policy names its target's ARN.
    for logical_id, props in sorted(pending.items(), key=lambda item: "RedrivePolicy" in item[1]):
        props = {**props, **(queue_overrides or {})}
        url = sqs.create_queue(QueueName=prefix + logical_id, Attributes=queue_attributes(props, arns))["QueueUrl"]
        queues[logical_id] = url
        arns[logical_id] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return LocalResources(tables=tables, queues=queues)


def main(argv: list[str] | None = None) -> int:
    """``python -m flashlab.resources --endpoint URL``: the template's tables and queues on LocalStack/moto."""
    import argparse

    from flashlab.moto import LOCAL_AWS_ENV, local_client

    parser = argparse.ArgumentParser(prog="python -m flashlab.resources", description=main.__doc__)
    parser.add_argument("--endpoint", default="http://localhost:4566")
    args = parser.parse_args(argv)
    import os

    for key, value in LOCAL_AWS_ENV.items():
        os.environ.setdefault(key, value)
    made = create_resources(Template(), local_client("dynamodb", args.endpoint), local_client("sqs", args.endpoint))
    for name, table in made.tables.items():
        print(f"table {name}: {table}")
    for name, url in made.queues.items():
        print(f"queue {name}: {url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
