"""The embedded stack: moto, Postgres, the template's functions, their SQS triggers and the REST API."""

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flashlab.chaos.faults import BUDGET_ENV
from flashlab.local import readings
from flashlab.local.environment import environment_context
from flashlab.local.gateway import Gateway
from flashlab.local.metric_publisher import MetricPublisher
from flashlab.local.runtime import FunctionRuntime
from flashlab.local.scheduler import Schedule
from flashlab.local.servers import ServerProcess, claim_port, dynalite_server, moto_server
from flashlab.local.sqs_source import SqsEventSource
from flashlab.local.waf import WebAcl
from flashlab.moto import LOCAL_AWS_ENV, local_client
from flashlab.postgres import DEFAULT_DATA_DIR, Database, start_database
from flashlab.resources import LocalResources, create_resources
from flashlab.rest_api import RestApi
from flashlab.template import Template

QUIET_POWERTOOLS = {  # metrics stay on: their EMF lines reach the local CloudWatch, not the terminal
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


@dataclass
class StackOptions:
    api_port: int = 3000
    aws_port: int = 4566
    dynamodb: str = "dynalite"  # or "moto": DynamoDB on moto's server at aws_port
    admin_token: str = "local-admin"
    parameters: dict[str, str] = field(default_factory=dict)
    visibility_timeout_s: int | None = None  # lab override; the template's value otherwise
    max_environments: int = 8
    account_concurrency: int = 16  # in flight per unreserved function; beyond it Lambda throttles
    data_dir: Path = DEFAULT_DATA_DIR
    fresh_database: bool = False
    split_sqs: bool = True
    verbose: bool = False
    status_interval_s: float = 60


class EmbeddedStack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.template = Template(options.parameters)
        self.servers: list[ServerProcess] = []
        self.database: Database | None = None
        self.resources: LocalResources | None = None
        self.runtimes: dict[str, FunctionRuntime] = {}
        self.sources: list[SqsEventSource] = []
        self.schedules: list[Schedule] = []
        self.gateway: Gateway | None = None
        self.warnings: list[str] = []
        self.sqs: Any = None
        self.metrics: MetricPublisher | None = None
        self.dynamodb_url = ""
        self.api_port = claim_port(options.api_port, "--port")

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def aws_url(self) -> str:
        return self.servers[0].url

    def start(self) -> None:
        main = moto_server(self.options.aws_port)
        self.servers.append(main)
        aws_env = {**LOCAL_AWS_ENV, "AWS_ENDPOINT_URL": main.url}
        if self.options.split_sqs:  # SQS on its own server: moto's SQS gets slow with depth, DynamoDB should not wait
            self.servers.append(moto_server(0, name="moto (sqs)"))
            aws_env["AWS_ENDPOINT_URL_SQS"] = self.servers[-1].url
        if self.options.dynamodb == "dynalite":  # 3x moto's calls/s on the accept path (docs/decision_log.md)
            self.servers.append(dynalite_server())
            aws_env["AWS_ENDPOINT_URL_DYNAMODB"] = self.servers[-1].url
        self.dynamodb_url = aws_env.get("AWS_ENDPOINT_URL_DYNAMODB", main.url)
        os.environ.update(aws_env)
        self.database = start_database(self.options.data_dir, fresh=self.options.fresh_database)
        queue_overrides = (
            {"VisibilityTimeout": self.options.visibility_timeout_s} if self.options.visibility_timeout_s else {}
        )
        sqs = self.sqs = local_client("sqs", aws_env.get("AWS_ENDPOINT_URL_SQS", main.url))
        self.resources = create_resources(
            self.template, local_client("dynamodb", self.dynamodb_url), sqs, queue_overrides=queue_overrides
        )
        self.metrics = MetricPublisher(local_client("cloudwatch", main.url), gauges=lambda: readings.gauges(self))
        self.metrics.start()
        self._start_functions(aws_env, sqs)
        self.gateway = Gateway(
            RestApi(self.template),
            self.runtimes,
            self.options.admin_token,
            workers=4 * self.options.max_environments,
            stats=self.status,
            waf=WebAcl.from_template(self.template),
            metrics=self.metrics,
        )

    def _start_functions(self, aws_env: dict[str, str], sqs: Any) -> None:
        assert self.resources is not None
        assert self.database is not None
        ctx = environment_context()
        logging_env = {} if self.options.verbose else QUIET_POWERTOOLS
        for name, spec in self.template.functions().items():
            env = {
                **{k: v for k, v in spec.environment.items() if k.startswith("POWERTOOLS_")},
                **self.resources.environment(spec, self.database.url),
                **aws_env,
                **logging_env,
                **{k: v for k, v in os.environ.items() if k == BUDGET_ENV},
            }
            self.runtimes[name] = FunctionRuntime(
                spec,
                env,
                self.options.parameters,
                self.options.max_environments,
                ctx,
                self.options.account_concurrency,
                self.metrics,
            )
            if spec.schedule_s is not None:
                self.schedules.append(Schedule(self.runtimes[name], spec.schedule_s))
                self.schedules[-1].start()
            if spec.sqs is not None:
                if (
                    spec.reserved_concurrency is not None
                    and spec.sqs.maximum_concurrency is not None
                    and spec.reserved_concurrency < spec.sqs.maximum_concurrency
                ):
                    self.warnings.append(
                        f"{name}: ReservedConcurrentExecutions {spec.reserved_concurrency} < MaximumConcurrency "
                        f"{spec.sqs.maximum_concurrency}; invocations will be throttled (check_params refuses this "
                        "for deploys)"
                    )
                source = SqsEventSource(
                    sqs, spec.sqs.queue, self.resources.queues[spec.sqs.queue], spec.sqs, self.runtimes[name]
                )
                self.sources.append(source)
                source.start()

    def status(self) -> dict[str, Any]:
        """Counters for the status line and ``GET /_local/stats``."""
        return readings.status(self)

    def stop(self) -> None:
        stoppers = [threading.Thread(target=source.stop) for source in self.sources]
        stoppers += [threading.Thread(target=schedule.stop) for schedule in self.schedules]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()
        for runtime in self.runtimes.values():
            runtime.close()
        if self.metrics:
            self.metrics.stop()
        if self.gateway:
            self.gateway.executor.shutdown(wait=False, cancel_futures=True)
        for server in self.servers:
            server.stop()
        if self.database:
            self.database.stop()
