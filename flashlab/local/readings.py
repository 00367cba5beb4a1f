"""What the embedded stack reports about itself: ``GET /_local/stats``, the gauges it publishes to its
CloudWatch, the local names of what the template's dashboard names, the CPU each part has used."""

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from flashlab.local import aws_metrics, cpu_use
from flashlab.local.emf import Datum
from flashlab.moto import LOCAL_AWS_ENV

if TYPE_CHECKING:
    from flashlab.local.stack import EmbeddedStack


def gauges(stack: "EmbeddedStack") -> list[Datum]:
    """What AWS samples by itself: each queue's depth, each function's concurrency."""
    assert stack.resources is not None
    data = []
    for name, depth in queue_depths(stack).items():
        queue_name = stack.resources.queues[name].rsplit("/", 1)[-1]
        data += aws_metrics.queue_depth(queue_name, depth["visible"], depth["in_flight"])
    for runtime in stack.runtimes.values():
        data += aws_metrics.lambda_concurrency(runtime.spec.name, runtime.stats.busy)
    return data


def queue_depths(stack: "EmbeddedStack") -> dict[str, dict[str, int]]:
    assert stack.resources is not None
    depths = {}
    for name, url in stack.resources.queues.items():
        attrs = stack.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        depths[name] = {
            "visible": int(attrs["ApproximateNumberOfMessages"]),
            "in_flight": int(attrs["ApproximateNumberOfMessagesNotVisible"]),
        }
    return depths


def dashboard_names(stack: "EmbeddedStack") -> dict[str, str]:
    """The local value of each name the template's dashboard refers to (``${OrdersQueue.QueueName}``...)."""
    assert stack.resources is not None
    names = {"Stage": str(stack.template.parameters["Stage"]), "AWS::Region": LOCAL_AWS_ENV["AWS_DEFAULT_REGION"]}
    names |= {name: runtime.spec.name for name, runtime in stack.runtimes.items()}
    names |= {f"{name}.QueueName": url.rsplit("/", 1)[-1] for name, url in stack.resources.queues.items()}
    return names


def status(stack: "EmbeddedStack") -> dict[str, Any]:
    """Counters for the status line and ``GET /_local/stats``."""
    assert stack.resources is not None
    return {
        "endpoints": {"sqs": stack.sqs.meta.endpoint_url, "dynamodb": stack.dynamodb_url, "cloudwatch": stack.aws_url},
        "queue_urls": dict(stack.resources.queues),
        "queues": queue_depths(stack),
        "dashboard_names": dashboard_names(stack),
        "cloudwatch": vars(stack.metrics.counts) if stack.metrics else {},
        "functions": {
            name: {k: v for k, v in vars(rt.stats).items() if k not in ("environments", "durations_ms")}
            | {"environments": len(rt.stats.environments), "limit": rt.limit, "reserved": rt.reserved}
            | rt.stats.duration_summary()
            for name, rt in stack.runtimes.items()
        },
        "event_sources": {
            s.runtime.spec.name: vars(s.stats) | {"pollers": s.pollers, "batch_size": s.source.batch_size}
            for s in stack.sources
        },
        "gateway": vars(stack.gateway.stats) if stack.gateway else {},
        "schedules": {s.runtime.spec.name: {"every_s": s.every_s, "runs": s.runs} for s in stack.schedules},
        "cpu_s": cpu_seconds(stack),
    }


def cpu_seconds(stack: "EmbeddedStack") -> dict[str, float]:
    """CPU seconds used so far by each part: the gateway (with the SQS pollers), each function, each server,
    and Postgres when it runs on this machine (its socket directory holds ``postmaster.pid``)."""
    used = (
        {"gateway": cpu_use.seconds([os.getpid()])}
        | {name: cpu_use.seconds(rt.environment_pids()) for name, rt in stack.runtimes.items()}
        | {server.name: cpu_use.seconds([server.process.pid]) for server in stack.servers}
    )
    postgres = cpu_use.postmaster_pid(_socket_dir(stack.database.url)) if stack.database else None
    return used | ({"postgres": cpu_use.seconds([postgres], children=True)} if postgres else {})


def _socket_dir(database_url: str) -> Path:
    """The directory of a unix-socket Postgres URL (``...?host=/dir``); pgserver keeps its data there too."""
    hosts = parse_qs(urlsplit(database_url).query).get("host", [""])
    return Path(hosts[0] or "/nonexistent")
