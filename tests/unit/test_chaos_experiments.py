"""Chaos on AWS (template.yaml, ChaosExtensionLayerArn): FIS experiments for the worker, the API and an
Aurora failover, stopped by the SLO page alarms; nothing of it unless the layer ARN is given."""

import pytest

from flashlab.localstack import sam_translate
from flashlab.template import Template, load_template

LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:aws-fis-extension-arm64:9"
ON = {"Stage": "dev", "ChaosExtensionLayerArn": LAYER, "DbClusterIdentifier": "flashdeal-db"}
TARGETED = {"OrderWorkerFunction", "OrderApiFunction"}


def test_without_the_layer_there_is_no_experiment_bucket_or_role():
    template = Template({"Stage": "dev"})
    chaos = [name for name, r in template.resources.items() if r.get("Condition") == "WithChaosExperiments"]
    assert chaos
    assert not any(template.exists(name) for name in chaos)
    for props in template.of_type("AWS::Serverless::Function").values():
        assert "AWS_LAMBDA_EXEC_WRAPPER" not in props.get("Environment", {}).get("Variables", {})


def test_each_experiment_stops_on_an_slo_page_alarm_and_targets_a_function_or_the_cluster():
    experiments = Template(ON).of_type("AWS::FIS::ExperimentTemplate")
    actions = sorted(a["ActionId"] for e in experiments.values() for a in e["Actions"].values())
    assert actions == [
        "aws:lambda:invocation-add-delay",
        "aws:lambda:invocation-add-delay",
        "aws:lambda:invocation-error",
        "aws:lambda:invocation-error",
        "aws:rds:failover-db-cluster",
    ]
    for experiment in experiments.values():
        (stop,) = experiment["StopConditions"]
        assert stop["Source"] == "aws:cloudwatch:alarm"
        assert stop["Value"].split(".")[0].endswith("Page")
        for target in experiment["Targets"].values():
            (arn,) = target["ResourceArns"]
            assert arn in {f"{name}.Arn" for name in TARGETED} or arn.endswith(":cluster:flashdeal-db")


@pytest.mark.parametrize("function", sorted(TARGETED))
def test_a_targeted_function_gets_the_extension_its_settings_and_read_access(function):
    props = Template(ON).of_type("AWS::Serverless::Function")[function]
    variables = props["Environment"]["Variables"]
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/aws-fis/bootstrap"
    assert variables["AWS_FIS_CONFIGURATION_LOCATION"].endswith("/FisConfigs/")
    assert props["Layers"] == [LAYER]
    assert "ChaosConfigReadPolicy" in props["Policies"]
    # SAM appends the function's layer to the Globals' two, so the deployed function carries all three
    deployed = sam_translate(load_template(), ON)["Resources"][function]["Properties"]
    assert len(deployed["Layers"]) == 3
