"""GET /health/ready asks DynamoDB and SQS for real and names the one that does not answer."""

import boto3
import pytest

from flashdeal import readiness


def test_ready_when_both_answer(stack):
    answer = stack.request("GET", "/health/ready")
    assert (answer.status, answer.body["checks"]) == (200, {"dynamodb": "ok", "sqs": "ok"})


@pytest.mark.parametrize("down", ["dynamodb", "sqs"])
def test_not_ready_names_the_dependency_that_is_down(stack, monkeypatch, down):
    real = readiness.aws_probe_client

    def probe_client(service):
        if service != down:
            return real(service)
        # nothing listens on port 9: what a dead endpoint looks like to boto3
        return boto3.client(service, endpoint_url="http://127.0.0.1:9", config=real("sqs").meta.config)

    monkeypatch.setattr(readiness, "aws_probe_client", probe_client)
    answer = stack.request("GET", "/health/ready")
    assert answer.status == 503
    assert answer.headers["Retry-After"] == "5"
    assert (answer.body["error"], answer.body["message"]) == ("not_ready", f"unavailable: {down}")
    assert stack.request("GET", "/health").status == 200  # liveness is not readiness
