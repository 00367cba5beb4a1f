"""template.yaml and samconfig.toml: the properties the design depends on, asserted."""

import subprocess
import sys
from pathlib import Path

import pytest

from flashlab import REPO_ROOT
from flashlab.check_params import main as check_params
from flashlab.check_params import overrides_for, problems
from flashlab.template import Template

ENVIRONMENTS = ["default", "dev", "prod"]


@pytest.fixture(scope="module")
def template() -> Template:
    return Template()


@pytest.mark.parametrize("config_env", ENVIRONMENTS)
def test_every_environment_keeps_reserved_concurrency_at_or_above_maximum_concurrency(config_env):
    p = Template(overrides_for(config_env)).parameters
    assert int(p["WorkerMaximumConcurrency"]) <= int(p["WorkerReservedConcurrency"])
    assert problems(overrides_for(config_env)) == []


def test_the_worker_event_source_uses_the_parameters(template):
    worker = template.functions()["OrderWorkerFunction"]
    raw = template.doc["Resources"]["OrderWorkerFunction"]["Properties"]
    source = raw["Events"]["Orders"]["Properties"]
    assert source["BatchSize"] == {"Ref": "WorkerBatchSize"}
    assert source["MaximumBatchingWindowInSeconds"] == {"Ref": "WorkerBatchingWindowSeconds"}
    assert source["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "WorkerMaximumConcurrency"}
    assert raw["ReservedConcurrentExecutions"] == {"Ref": "WorkerReservedConcurrency"}
    assert worker.sqs is not None
    assert worker.sqs.report_batch_item_failures


def test_visibility_timeout_is_at_least_six_worker_timeouts(template):
    worker = template.functions()["OrderWorkerFunction"]
    queue = template.of_type("AWS::SQS::Queue")["OrdersQueue"]
    assert int(queue["VisibilityTimeout"]) >= 6 * worker.timeout_s


def test_the_dead_letter_queue_is_wired(template):
    redrive = template.doc["Resources"]["OrdersQueue"]["Properties"]["RedrivePolicy"]
    assert redrive == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["OrdersDLQ", "Arn"]},
        "maxReceiveCount": {"Ref": "MaxReceiveCount"},
    }
    assert template.doc["Resources"]["OrdersDLQAlarm"]["Properties"]["Dimensions"][0]["Value"] == {
        "Fn::GetAtt": ["OrdersDLQ", "QueueName"]
    }


def test_the_buyer_api_never_reaches_postgres(template):
    api = template.functions()["OrderApiFunction"]
    raw = template.doc["Resources"]["OrderApiFunction"]["Properties"]
    assert not {"DB_SECRET_ARN", "DB_HOST", "DATABASE_URL"} & set(api.environment)
    assert "VpcConfig" not in raw


def test_tables_have_ttl(template):
    tables = template.of_type("AWS::DynamoDB::Table")
    assert {name: t["TimeToLiveSpecification"] for name, t in tables.items()} == {
        "IdempotencyTable": {"AttributeName": "expiration", "Enabled": True},
        "SalesTable": {"AttributeName": "expires_at", "Enabled": True},
    }


def test_layers_build_with_python312_and_functions_run_it(template):
    layers = {n: r for n, r in template.resources.items() if r["Type"] == "AWS::Serverless::LayerVersion"}
    assert {n: r["Metadata"]["BuildMethod"] for n, r in layers.items()} == {
        "FlashDealLayer": "python3.12",
        "DependenciesLayer": "python3.12",
    }
    function_globals = template.doc["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.12"
    assert function_globals["Tracing"] == "Active"
    assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"} <= set(
        function_globals["Environment"]["Variables"]
    )


def test_postgres_is_reached_through_rds_proxy_and_a_secret(template):
    for name in ("OrderWorkerFunction", "SaleAdminFunction"):
        env = template.doc["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert env["DB_SECRET_ARN"] == {"Ref": "DbSecretArn"}
        assert env["DB_HOST"] == {
            "Fn::If": ["WithRdsProxy", {"Fn::GetAtt": ["DbProxy", "Endpoint"]}, {"Ref": "AWS::NoValue"}]
        }
    assert template.resources["DbProxy"]["Properties"]["EngineFamily"] == "POSTGRESQL"
    assert template.parameters["UseRdsProxy"] == "true"  # on unless a deploy (LocalStack) turns it off


def test_outputs(template):
    assert {"ApiUrl", "OrdersQueueUrl", "OrdersDlqUrl", "SalesTableName", "IdempotencyTableName"} <= set(
        template.doc["Outputs"]
    )


def test_check_params_refuses_reserved_below_maximum(capsys):
    assert check_params(["WorkerMaximumConcurrency=10", "WorkerReservedConcurrency=5"]) == 1
    assert "below WorkerMaximumConcurrency" in capsys.readouterr().err
    assert check_params(["WorkerBatchSize=100"]) == 1
    assert check_params(["WorkerBatchSize=100", "WorkerBatchingWindowSeconds=1"]) == 0


def test_check_params_refuses_the_local_stage_and_a_waf_limit_below_its_minimum(capsys):
    assert check_params(["Stage=local"]) == 1
    assert "never AWS" in capsys.readouterr().err
    assert check_params(["WafRequestsPerClient=5"]) == 1
    assert check_params(["WafRequestsPerClient=10"]) == 0


@pytest.mark.parametrize("template", ["template.yaml", "deploy/foundation.yaml"])
def test_cfn_lint_is_clean(template):
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(cfn_lint), template], capture_output=True, text=True, check=False, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
