"""``make load-users ENV=dev N=100``: test buyers in the stack's Cognito user pool, with ID tokens.

Each buyer is created with a random password (no e-mail sent), signed in with USER_PASSWORD_AUTH (the app
client allows it), and written as a ``user,token`` CSV line that Artillery and the e2e tier read. ID tokens
last an hour; run it again for fresh ones (existing buyers are signed in again, not created twice).
"""

import argparse
import contextlib
import csv
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flashlab import REPO_ROOT


@dataclass(frozen=True)
class Buyer:
    username: str
    id_token: str


def sign_up_buyers(cognito: Any, pool_id: str, client_id: str, count: int, prefix: str) -> list[Buyer]:
    buyers = []
    for n in range(count):
        username, password = f"{prefix}-{n:05d}", f"Fd-{secrets.token_urlsafe(18)}!9a"
        with contextlib.suppress(cognito.exceptions.UsernameExistsException):  # a buyer of an earlier run
            cognito.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
        signed_in = cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        buyers.append(Buyer(username, signed_in["AuthenticationResult"]["IdToken"]))
    return buyers


def write_tokens(path: Path, buyers: list[Buyer]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user", "token"])
        writer.writerows((b.username, b.id_token) for b in buyers)


def read_tokens(path: Path) -> list[Buyer]:
    with path.open(newline="") as handle:
        return [Buyer(row["user"], row["token"]) for row in csv.DictReader(handle)]


def main(argv: list[str] | None = None) -> int:
    import boto3

    from flashlab.deployed.stack import stack_of

    parser = argparse.ArgumentParser(prog="make load-users", description=__doc__)
    parser.add_argument("--env", required=True, help="samconfig.toml environment (dev, prod)")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--prefix", default="load-buyer")
    args = parser.parse_args(argv)
    if not 1 <= args.count <= 10_000:
        parser.error("--count must be in [1, 10000]")
    stack = stack_of(args.env)
    cognito = boto3.client("cognito-idp", region_name=stack.region)
    pool, client = stack.output("BuyerUserPoolId"), stack.output("BuyerUserPoolClientId")
    buyers = sign_up_buyers(cognito, pool, client, args.count, args.prefix)
    out = REPO_ROOT / ".flashlab" / f"buyers-{args.env}.csv"
    write_tokens(out, buyers)
    print(f"{len(buyers)} buyers of {pool} with ID tokens (valid 1 h) in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
