"""What `make e2e-localstack` deploys must run on LocalStack's free plan, checked without Docker.

FREE_PLAN_TYPES is LocalStack's list of CloudFormation resource types its community (free) image creates
(docs.localstack.cloud, CloudFormation > Resources > Community image; the link is in the decision log),
cut to the services FlashDeal could use. Lambda layers appear there, but running them is a paid feature
(LocalStack's Lambda docs), so the free-plan template must have none.
"""

import json
from pathlib import Path

import pytest

from flashlab.localstack import PARAMETERS, deployed_types, free_plan_template
from flashlab.template import Template, load_template

FREE_PLAN_TYPES = {
    "AWS::ApiGateway::Account",
    "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::GatewayResponse",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Model",
    "AWS::ApiGateway::RequestValidator",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::UsagePlanKey",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::CompositeAlarm",
    "AWS::DynamoDB::Table",
    "AWS::Events::Rule",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::Role",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::Lambda::Version",
    "AWS::Logs::LogGroup",
    "AWS::S3::Bucket",
    "AWS::SNS::Subscription",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::SQS::QueuePolicy",
    "AWS::Scheduler::Schedule",
    "AWS::SecretsManager::Secret",
    "AWS::SSM::Parameter",
}
NETWORK = {"SubnetIds": ["subnet-00000000"], "SecurityGroupIds": ["sg-00000000"]}


@pytest.fixture(scope="module")
def free_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("localstack")
    return free_plan_template(out), out


def test_every_resource_the_localstack_deploy_creates_is_on_the_free_plan(free_plan):
    doc, _ = free_plan
    types = deployed_types(doc, {**PARAMETERS, **NETWORK})
    assert "AWS::ApiGateway::RestApi" in types.values()
    assert set(types.values()) <= FREE_PLAN_TYPES, {n: t for n, t in types.items() if t not in FREE_PLAN_TYPES}


def test_the_aws_deploy_does_need_the_paid_features_the_local_stage_leaves_out():
    """The check above can fail: the same transform of the real template finds what the free plan lacks."""
    types = set(deployed_types(load_template(), {"Stage": "dev", "WafRequestsPerClient": "100", **NETWORK}).values())
    assert {"AWS::Cognito::UserPool", "AWS::WAFv2::WebACL", "AWS::RDS::DBProxy"} <= types
    assert "AWS::Lambda::LayerVersion" in types


def test_the_free_plan_functions_carry_their_layers_inside(free_plan):
    doc, out = free_plan
    assert "Layers" not in doc["Globals"]["Function"]
    functions = {n: r for n, r in doc["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert set(functions) == set(Template().functions()) - {"DbMigratorFunction"}  # e2e.sh migrates there
    for name, resource in functions.items():
        package = Path(resource["Properties"]["CodeUri"])
        assert package == out / name
        assert (package / "app.py").exists()
        assert (package / "flashdeal" / "principal.py").exists()
        assert "psycopg" in (package / "requirements.txt").read_text()
    json.dumps(doc)  # written as JSON for `samlocal build -t`
