"""The capacity model's inputs, each read from where it was measured or configured, never typed in here.

- the lab's ``docs/lab/results.json`` (``make bench``): each strategy's settle rate, batch latency and
  worker CPU at the template's worker concurrency and SQS batch size;
- the front door's ``docs/lab/front-door.json`` (``make bench-front``): AWS calls and API CPU per
  accepted order and per sold-out answer;
- ``template.yaml``: memory, throttles, batch size, concurrency, the sale-state TTL;
- ``aws.toml``: list prices, default quotas, in-Region latencies (the hand-typed part, dated, in one file).
"""

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flashlab import REPO_ROOT
from flashlab.template import Template

LAB_RESULTS = REPO_ROOT / "docs" / "lab" / "results.json"
FRONT_DOOR = REPO_ROOT / "docs" / "lab" / "front-door.json"
AWS_FACTS = Path(__file__).with_name("aws.toml")
API_FUNCTION = "OrderApiFunction"
WORKER_FUNCTION = "OrderWorkerFunction"


@dataclass(frozen=True)
class Settling:
    """One strategy at the template's worker concurrency and batch size, as the lab measured it."""

    orders_per_s: float
    batch_p50_ms: float
    python_ms_per_order: float  # the worker's own CPU (one full core of this machine)
    measured_at: tuple[int, int]  # (workers, batch) of the lab cell used


@dataclass(frozen=True)
class Inputs:
    api_cpu_ms_per_accept: float
    api_cpu_ms_per_rejection: float
    calls_per_accept: dict[str, float]
    calls_per_rejection: dict[str, float]
    api_memory_mb: int
    worker_memory_mb: int
    reserved_elsewhere: int  # concurrency reserved by the other functions: out of the API's reach
    order_route_rps: float  # the template's own throttle on POST /sales/{id}/orders
    worker_concurrency: int
    batch_size: int
    sale_state_ttl_s: float
    waf: bool  # the template deploys a web ACL (WafRequestsPerClient > 0)
    sales_table_warm_wru: float  # SalesTableWarmWritesPerSecond: what the sales table takes from the start
    settling: dict[str, Settling]  # by strategy
    prices: dict[str, Any]
    quotas: dict[str, Any]
    latencies: dict[str, Any]
    provenance: dict[str, str]  # input -> where and when it was measured


def load(template: Template | None = None, lab: Path = LAB_RESULTS, front: Path = FRONT_DOOR) -> Inputs:
    template = template or Template()
    functions = template.functions()
    api, worker = functions[API_FUNCTION], functions[WORKER_FUNCTION]
    assert worker.sqs is not None
    assert worker.sqs.maximum_concurrency is not None
    concurrency, batch = worker.sqs.maximum_concurrency, worker.sqs.batch_size
    lab_run, front_run = json.loads(lab.read_text()), json.loads(front.read_text())
    facts = tomllib.loads(AWS_FACTS.read_text())
    return Inputs(
        api_cpu_ms_per_accept=front_run["cpu_ms_per_accept"][API_FUNCTION],
        api_cpu_ms_per_rejection=front_run["cpu_ms_per_rejection"].get(API_FUNCTION, 0.0),
        calls_per_accept=front_run["calls_per_accept"],
        calls_per_rejection=front_run["calls_per_rejection"],
        api_memory_mb=api.memory_mb,
        worker_memory_mb=worker.memory_mb,
        reserved_elsewhere=sum(f.reserved_concurrency or 0 for f in functions.values()),
        order_route_rps=float(template.parameters["OrderThrottlingRateLimit"]),
        worker_concurrency=concurrency,
        batch_size=batch,
        sale_state_ttl_s=float(api.environment.get("SALE_STATE_TTL_SECONDS", 1.0)),
        waf=template.condition("WithWaf"),
        sales_table_warm_wru=float(template.parameters["SalesTableWarmWritesPerSecond"]),
        settling=settling_by_strategy(lab_run["cells"], concurrency, batch),
        prices=facts["prices"],
        quotas=facts["quotas"],
        latencies=facts["latencies"],
        provenance={
            "settle rates": f"{_relative(lab)}, {lab_run['header']['date']}, commit {lab_run['header']['commit']}",
            "calls and CPU per order": f"{_relative(front)}, {front_run['date']}, commit {front_run['commit']}",
            "prices": f"{_relative(AWS_FACTS)}, recorded {facts['prices']['recorded']}",
            "quotas": f"{_relative(AWS_FACTS)}, recorded {facts['quotas']['recorded']}",
            "configuration": "template.yaml defaults",
        },
    )


def settling_by_strategy(cells: list[dict[str, Any]], workers: int, batch: int) -> dict[str, Settling]:
    """Each strategy's lab cell nearest to (workers, batch): the exact one when the lab measured it."""
    by_strategy: dict[str, Settling] = {}
    for strategy in dict.fromkeys(c["strategy"] for c in cells):
        mine = [c for c in cells if c["strategy"] == strategy]
        cell = min(mine, key=lambda c: (abs(c["workers"] - workers), abs(c["batch"] - batch)))
        by_strategy[strategy] = Settling(
            orders_per_s=cell["rate"],
            batch_p50_ms=cell["p50_ms"],
            python_ms_per_order=cell["python_cores"] * 1000 / cell["rate"],
            measured_at=(cell["workers"], cell["batch"]),
        )
    return by_strategy


def _relative(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)
