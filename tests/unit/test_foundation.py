"""deploy/foundation.yaml and the step that hands its outputs to the application stack's deploy."""

import json
import shlex

import boto3
import pytest
from moto import mock_aws

from flashlab import REPO_ROOT
from flashlab.deployed import foundation
from flashlab.template import Template, load_template

FOUNDATION = REPO_ROOT / "deploy" / "foundation.yaml"


def deployed_overrides(capsys, cloudformation) -> tuple[dict[str, str], str]:
    assert foundation.main(["--env", "dev"], cloudformation=cloudformation) == 0
    printed = capsys.readouterr()
    return dict(item.split("=", 1) for item in shlex.split(printed.out)), printed.err


def test_its_outputs_are_the_application_stacks_parameters_for_network_and_database():
    outputs = set(load_template(FOUNDATION)["Outputs"])
    assert set(foundation.FROM_FOUNDATION) == outputs
    assert outputs <= set(Template().parameters)


def test_the_functions_proxy_database_and_endpoints_share_one_group_open_only_to_itself():
    resources = load_template(FOUNDATION)["Resources"]
    ingress = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::EC2::SecurityGroupIngress"]
    assert sorted(rule["FromPort"] for rule in ingress) == [443, 5432]
    assert all(rule["SourceSecurityGroupId"] == rule["GroupId"] for rule in ingress)
    endpoints = {r["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1] for r in resources.values()
                 if r["Type"] == "AWS::EC2::VPCEndpoint"}  # fmt: skip
    assert endpoints == {"dynamodb", "s3", "secretsmanager", "sqs", "xray"}


@mock_aws
def test_deploy_takes_the_foundations_outputs_under_samconfigs_own_values(capsys):
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    without, note = deployed_overrides(capsys, cloudformation)
    assert without == foundation.configured("dev")[0]
    assert "no stack flashdeal-foundation-dev" in note
    outputs = {
        "SubnetIds": "subnet-a,subnet-b",
        "SecurityGroupIds": "sg-1",
        "DbSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:flashdeal-AbC",
        "DbClusterIdentifier": "flashdeal-cluster",
        "DbName": "flashdeal",
    }
    body = {
        "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {name: {"Value": value} for name, value in outputs.items()},
    }
    cloudformation.create_stack(StackName=foundation.foundation_stack("dev"), TemplateBody=json.dumps(body))
    overrides, _ = deployed_overrides(capsys, cloudformation)
    assert overrides == foundation.configured("dev")[0] | outputs
    assert overrides["Stage"] == "dev"


def test_a_value_samconfig_sets_wins_over_the_foundations():
    assert foundation.merged({"DbName": "mine"}, {"DbName": "flashdeal", "Other": "x"}) == {"DbName": "mine"}


def test_an_environment_samconfig_lacks_is_refused_by_name():
    with pytest.raises(SystemExit, match="no environment 'staging'"):
        foundation.configured("staging")
