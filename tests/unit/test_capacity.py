"""The capacity model's arithmetic on round numbers, and docs/capacity.md against its measured inputs."""

import dataclasses
import json

import pytest

from flashlab.capacity import __main__ as capacity_cli
from flashlab.capacity import cost, inputs, model
from flashlab.capacity.inputs import Inputs, Settling
from flashlab.front_bench.cpu_budget import CpuSpent
from flashlab.front_bench.drive import Answer
from flashlab.front_bench.report import FrontResult, to_json
from flashlab.template import Template

QUOTAS = {
    "lambda_concurrent_executions": 1000,
    "lambda_scaling_per_10_seconds": 1000,
    "lambda_mb_per_vcpu": 2048,
    "api_gateway_account_rps": 10_000,
    "dynamodb_partition_wru_per_second": 1000,
    "dynamodb_partition_rru_per_second": 3000,
    "dynamodb_table_wru_per_second": 40_000,
    "dynamodb_table_rru_per_second": 40_000,
    "dynamodb_new_table_wru_per_second": 4000,
}
PRICES = {
    "api_gateway_rest_per_million": 3.5,
    "waf_per_million_requests": 0.6,
    "lambda_per_million_requests": 0.2,
    "lambda_arm64_per_gb_second": 0.00001,
    "dynamodb_on_demand_per_million_wru": 1.0,
    "dynamodb_on_demand_per_million_rru": 0.25,
    "sqs_standard_per_million_requests": 0.4,
    "aurora_postgresql_instance_per_hour": 0.36,
    "rds_proxy_per_vcpu_hour": 0.02,
    "lambda_arm64_provisioned_per_gb_second": 0.000004,
}


def round_inputs(**changes) -> Inputs:
    """A deployment whose numbers are easy to follow by hand: a 1,024 MB API is twice as slow as a core here."""
    base = Inputs(
        api_cpu_ms_per_accept=10.0,
        api_cpu_ms_per_rejection=2.0,
        calls_per_accept={"dynamodb.PutItem": 2, "dynamodb.UpdateItem": 4, "sqs.SendMessage": 1},
        calls_per_rejection={"dynamodb.GetItem": 1},
        api_memory_mb=1024,
        worker_memory_mb=2048,
        reserved_elsewhere=10,
        order_route_rps=1000,
        worker_concurrency=8,
        batch_size=10,
        sale_state_ttl_s=1.0,
        waf=False,
        sales_table_warm_wru=0,
        settling={"sharded": Settling(4000, 20.0, 0.1, (8, 10))},
        prices=PRICES,
        quotas=QUOTAS,
        latencies={"dynamodb_call_ms": 5.0, "sqs_send_ms": 10.0, "aurora_call_ms": 1.0},
        provenance={},
    )
    return dataclasses.replace(base, **changes)


def ceiling(found: list[model.Limit], part: str) -> float:
    [limit] = [x for x in found if x.part.startswith(part)]
    return limit.buyers_per_s


def test_lambda_time_is_cpu_slowed_by_the_memory_share_plus_a_round_trip_per_call():
    i = round_inputs()
    assert model.api_ms(i) == pytest.approx(10 * 2 + 6 * 5 + 1 * 10)  # 60 ms
    assert model.api_ms(i, accepted=False) == pytest.approx(2 * 2 + 5)
    assert model.api_ms(round_inputs(api_memory_mb=4096)) == pytest.approx(10 + 40)  # never faster than a core
    assert model.worker_batch_ms(i, "sharded") == pytest.approx(20 + 1)  # a full vCPU: no slowdown


def test_each_ceiling_follows_from_the_writes_and_quotas():
    found = model.limits(round_inputs(), "sharded")
    assert [x.buyers_per_s for x in found] == sorted(x.buyers_per_s for x in found)
    assert ceiling(found, "DynamoDB, the sale's item (writes)") == pytest.approx(1000 / 1.1)
    assert ceiling(found, "Lambda concurrency") == pytest.approx(990 / 0.060)
    assert ceiling(found, "DynamoDB, a new table") == pytest.approx(4000 / 5.1)  # sales table: 4 + 1 + 0.1 writes
    assert ceiling(found, "DynamoDB, on-demand table maximum") == pytest.approx(40_000 / 5.1)
    assert ceiling(found, "DynamoDB, the sale's item (reads)") == pytest.approx(3000 * 1.0 / 0.5 / 0.060)
    assert ceiling(found, "Settling") == 4000
    assert model.sold_out_answer_limit(round_inputs()).buyers_per_s == pytest.approx(40_000 / 0.5)


def test_a_warm_sales_table_leaves_the_idempotency_tables_first_peak():
    found = model.limits(round_inputs(sales_table_warm_wru=100_000), "sharded")
    assert ceiling(found, "DynamoDB, a new table") == pytest.approx(4000 / 2)  # its 2 writes per order


def test_a_burst_is_accepted_up_to_the_lowest_ceiling_and_lifted_quotas_leave_the_designs():
    i = round_inputs()
    quiet = model.burst(i, "sharded", 100)
    assert (quiet.accepted_per_s, quiet.first_bottleneck) == (100, "none")
    deployed = model.burst(i, "sharded", 100_000)
    assert deployed.accepted_per_s == pytest.approx(4000 / 5.1)
    assert deployed.first_bottleneck.startswith("DynamoDB, a new table")
    assert deployed.api_environments == pytest.approx(1000 * 0.060)  # API Gateway's route throttle shields Lambda
    lifted = model.burst(i, "sharded", 100_000, lifted=True)
    assert lifted.accepted_per_s == pytest.approx(1000 / 1.1)
    assert lifted.first_bottleneck == "DynamoDB, the sale's item (writes)"
    assert lifted.api_environments == pytest.approx(100_000 * 0.060)
    assert lifted.ramp_s == pytest.approx(6000 / 100)  # 1,000 new environments every 10 s


def test_a_sale_is_claimed_at_the_accept_rate_and_settled_no_sooner_than_the_settle_rate():
    i = round_inputs()
    assert model.sell_out_s(i, "sharded", 10_000, 1000) == (10.0, 10.0)
    assert model.sell_out_s(i, "sharded", 10_000, 8000) == (1.25, 2.5)


def test_a_million_orders_cost_each_part_its_list_price():
    parts = cost.per_million_orders(round_inputs(), "sharded")
    assert parts["API Gateway (REST)"] == 3.5
    assert "WAF" not in parts
    assert parts["DynamoDB writes"] == pytest.approx(6 + 1 + 0.1)  # accept, status, a tenth of a sold counter
    assert parts["SQS"] == pytest.approx((1 + 2 / 10) * 0.4)  # a send, and a receive and delete per batch
    assert parts["Lambda, API"] == pytest.approx(0.2 + 1e6 * 0.060 * 1.0 * 0.00001)
    assert parts["Lambda, worker"] == pytest.approx(1e5 / 1e6 * 0.2 + 1e5 * 0.021 * 2.0 * 0.00001)
    assert parts["Aurora + RDS Proxy, for the hours settling takes"] == pytest.approx(1e6 / 4000 / 3600 * 0.4)
    assert cost.provisioned_per_hour(round_inputs(), 500) == pytest.approx(500 * 1.0 * 3600 * 0.000004)
    answers = cost.per_million_sold_out_answers(round_inputs(waf=True))
    assert answers["WAF"] == 0.6
    assert answers["DynamoDB reads"] == pytest.approx(0.5 * 0.25)


def test_the_inputs_come_from_the_lab_the_front_door_and_the_template():
    loaded, template = inputs.load(), Template()
    worker = template.functions()["OrderWorkerFunction"]
    assert worker.sqs is not None
    assert (loaded.batch_size, loaded.worker_concurrency) == (worker.sqs.batch_size, worker.sqs.maximum_concurrency)
    assert loaded.api_memory_mb == template.functions()["OrderApiFunction"].memory_mb
    assert set(loaded.settling) == {"naive", "atomic", "optimistic", "sharded", "batched"}
    assert all(s.measured_at == (loaded.worker_concurrency, loaded.batch_size) for s in loaded.settling.values())
    assert sum(loaded.calls_per_accept.values()) > 0
    assert {"settle rates", "calls and CPU per order", "prices", "quotas"} <= set(loaded.provenance)


def test_the_committed_page_is_what_make_capacity_writes_from_the_committed_inputs(tmp_path, capsys):
    page = tmp_path / "capacity.md"
    assert capacity_cli.main(["--out", str(page), "--plot", str(tmp_path / "img" / "capacity.png")]) == 0
    assert page.read_text() == (capacity_cli.DEFAULT_OUT).read_text()
    assert (tmp_path / "img" / "capacity.png").stat().st_size > 0
    result = capsys.readouterr().out.splitlines()[-1]
    assert result.startswith('RESULT first_bottleneck="')
    assert "cost_per_million_orders_usd=" in result


def test_what_bench_front_writes_is_what_the_model_reads(tmp_path):
    accepted = [Answer(0.1 * n, 20.0, 202, None) for n in range(4)]
    result = FrontResult(
        sequential=accepted,
        burst=[*accepted, Answer(1.0, 5.0, 409, "sold_out")],
        calls_per_accept={"dynamodb.PutItem": 2.0, "sqs.SendMessage": 1.0},
        calls_per_rejection={"dynamodb.GetItem": 1.0},
        cpu_sequential=CpuSpent({"OrderApiFunction": 0.048, "dynalite": 0.02}, wall_s=1.0),
        cpu_ms_per_rejection={"OrderApiFunction": 3.0},
    )
    front = tmp_path / "front-door.json"
    front.write_text(json.dumps(to_json(result)))
    loaded = inputs.load(front=front)
    assert loaded.api_cpu_ms_per_accept == pytest.approx(12.0)  # 48 ms over 4 accepted orders
    assert loaded.api_cpu_ms_per_rejection == 3.0
    assert loaded.calls_per_accept == result.calls_per_accept
    assert loaded.calls_per_rejection == result.calls_per_rejection
