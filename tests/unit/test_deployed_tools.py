"""Tools for a deployed stack: SigV4 for the admin route, Cognito buyers with real ID tokens, stack outputs."""

import base64
import datetime
import json
from unittest import mock

import boto3
import botocore.auth
import httpx
import pytest
from botocore.credentials import Credentials
from moto import mock_aws

from flashlab.deployed.admin import create_sale
from flashlab.deployed.buyers import Buyer, read_tokens, sign_up_buyers, write_tokens
from flashlab.deployed.identities import DeployedIdentities
from flashlab.deployed.sigv4 import SigV4, sign
from flashlab.deployed.stack import stack_of

REGION = "us-east-1"


class _At20150830(datetime.datetime):
    """The clock of AWS's published SigV4 test suite."""

    @classmethod
    def now(cls, tz: datetime.tzinfo | None = None) -> "_At20150830":
        return cls(2015, 8, 30, 12, 36, 0, tzinfo=datetime.UTC)


def test_sigv4_reproduces_aws_published_get_vanilla_signature():
    # AWS's SigV4 test suite, "get-vanilla": the request, the example credentials and the expected header
    request = httpx.Request("GET", "https://example.amazonaws.com/")
    with mock.patch.object(botocore.auth.datetime, "datetime", _At20150830):
        sign(request, Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), REGION, "service")
    assert request.headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    )
    assert request.headers["X-Amz-Date"] == "20150830T123600Z"


def test_an_admin_call_is_signed_for_execute_api_over_its_body():
    seen = []
    transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(201))
    credentials = Credentials("AKIDEXAMPLE", "secret", token="session")
    with httpx.Client(transport=transport, auth=SigV4(REGION, credentials)) as client:
        client.post("https://abc.execute-api.us-east-1.amazonaws.com/dev/sales", json={"name": "socks"})
    (request,) = seen
    authorization = request.headers["Authorization"]
    assert "/us-east-1/execute-api/aws4_request" in authorization
    assert "content-type;host;x-amz-date;x-amz-security-token" in authorization
    assert request.headers["X-Amz-Security-Token"] == "session"


def claims(token: str) -> dict[str, str]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@mock_aws
def test_buyers_get_id_tokens_whose_subject_is_their_cognito_user(tmp_path):
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool = cognito.create_user_pool(PoolName="buyers")["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    buyers = sign_up_buyers(cognito, pool, client, 3, "t")
    again = sign_up_buyers(cognito, pool, client, 3, "t")  # a second run signs the same buyers in again
    subjects = [claims(b.id_token)["sub"] for b in buyers]
    users = {u["Username"]: u for u in cognito.list_users(UserPoolId=pool)["Users"]}
    assert [b.username for b in buyers] == ["t-00000", "t-00001", "t-00002"] == [b.username for b in again]
    assert len(users) == 3
    assert len(set(subjects)) == 3
    write_tokens(tmp_path / "buyers.csv", buyers)
    assert read_tokens(tmp_path / "buyers.csv") == buyers


@mock_aws
def test_the_stack_is_found_from_samconfig_with_its_outputs():
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"ApiUrl": {"Value": "https://abc.execute-api.us-east-1.amazonaws.com/dev"}},
    }
    cloudformation.create_stack(StackName="flashdeal-dev", TemplateBody=json.dumps(template))
    stack = stack_of("dev", cloudformation)
    assert (stack.name, stack.region) == ("flashdeal-dev", REGION)
    assert stack.output("ApiUrl").endswith("/dev")
    with pytest.raises(SystemExit, match="no output BuyerUserPoolId"):
        stack.output("BuyerUserPoolId")
    with pytest.raises(SystemExit, match="no environment 'qa'"):
        stack_of("qa", cloudformation)


def test_deployed_identities_give_each_buyer_name_its_own_token_and_sign_admin_calls():
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(200))
    buyers = [Buyer("b0", "token-0"), Buyer("b1", "token-1")]
    identities = DeployedIdentities(buyers, SigV4(REGION, Credentials("AKIDEXAMPLE", "secret")))
    with httpx.Client(transport=transport, auth=identities, base_url="https://api.example") as client:
        client.get("/orders/1", headers={"X-User-Id": "alice"})
        client.get("/orders/2", headers={"X-User-Id": "bob"})
        client.get("/orders/3", headers={"X-User-Id": "alice"})
        client.post("/sales", json={}, headers={"Authorization": "Bearer local-admin"})
        client.get("/health")
        with pytest.raises(RuntimeError, match="make load-users"):
            client.get("/orders/4", headers={"X-User-Id": "carol"})  # a third buyer, two tokens
    assert [r.headers.get("Authorization") for r in seen[:3]] == ["token-0", "token-1", "token-0"]
    assert all("X-User-Id" not in r.headers for r in seen)
    assert seen[3].headers["Authorization"].startswith("AWS4-HMAC-SHA256 ")
    assert "Authorization" not in seen[4].headers


def test_creating_a_sale_signs_the_call_and_sends_a_fresh_idempotency_key():
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(201, json={"sale_id": "s"}))
    auth = SigV4(REGION, Credentials("AKIDEXAMPLE", "secret"))
    with httpx.Client(transport=transport, base_url="https://abc.execute-api.us-east-1.amazonaws.com/dev") as api:
        create_sale(api, auth, {"name": "socks", "inventory": 5})
        create_sale(api, auth, {"name": "socks", "inventory": 5})
    assert [r.url.path for r in seen] == ["/dev/sales", "/dev/sales"]
    assert all(r.headers["Authorization"].startswith("AWS4-HMAC-SHA256 ") for r in seen)
    assert seen[0].headers["Idempotency-Key"] != seen[1].headers["Idempotency-Key"]
    assert json.loads(seen[0].content) == {"name": "socks", "inventory": 5}
