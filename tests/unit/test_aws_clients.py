from flashdeal.adapters.aws import aws_client


def test_clients_honour_aws_endpoint_url(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    aws_client.cache_clear()
    try:
        for service in ("dynamodb", "sqs", "secretsmanager"):
            assert aws_client(service).meta.endpoint_url == "http://127.0.0.1:4566"
    finally:
        aws_client.cache_clear()


def test_without_aws_endpoint_url_clients_talk_to_aws(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    aws_client.cache_clear()
    try:
        assert aws_client("sqs").meta.endpoint_url.endswith("amazonaws.com")
    finally:
        aws_client.cache_clear()


def test_a_service_specific_endpoint_wins(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:4567")
    aws_client.cache_clear()
    try:
        assert aws_client("sqs").meta.endpoint_url == "http://127.0.0.1:4567"
        assert aws_client("dynamodb").meta.endpoint_url == "http://127.0.0.1:4566"
    finally:
        aws_client.cache_clear()
