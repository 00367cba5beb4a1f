"""moto's server on 127.0.0.1: DynamoDB, SQS and Secrets Manager for the embedded stack and the tests."""

import logging
import os
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from flashdeal.adapters.aws import ServiceName

LOCAL_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def start_moto(port: int = 0) -> tuple[ThreadedMotoServer, str]:
    """Starts the server in this process; port 0 picks a free one. Returns (server, endpoint URL)."""
    for key, value in LOCAL_AWS_ENV.items():
        os.environ.setdefault(key, value)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    return server, f"http://{host}:{bound}"


def local_client(service: ServiceName, endpoint: str) -> Any:
    """A client of a local emulator: its region, and the emulators' test credentials whatever the shell has."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=LOCAL_AWS_ENV["AWS_DEFAULT_REGION"],
        aws_access_key_id=LOCAL_AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=LOCAL_AWS_ENV["AWS_SESSION_TOKEN"],
    )
