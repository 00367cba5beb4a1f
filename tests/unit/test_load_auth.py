"""Artillery against a deployment with real auth: every request the scenarios send goes through the
processor's `authorize`, which swaps the X-User-Id stand-in for a buyer's Cognito ID token."""

import json
import shutil
import subprocess

import pytest
import yaml

from flashlab import REPO_ROOT

NODE = shutil.which("node")
DRIVE = """
const p = require(process.argv[1]);
const out = [];
for (let i = 0; i < 3; i++) {
  const context = { vars: {} };
  p.newBuyer(context, { emit() {} }, () => {});
  const req = { headers: { "X-User-Id": context.vars.userId, "Idempotency-Key": "k" } };
  p.authorize(req, context, {}, () => {});
  out.push(req.headers);
}
console.log(JSON.stringify(out));
"""


def requests_of(flow: list) -> list[dict]:
    found = []
    for step in flow:
        found += [step[v] for v in ("post", "get") if v in step]
        found += requests_of(step.get("loop", []))
    return found


@pytest.mark.parametrize("name", ["burst", "sustained"])
def test_every_request_of_the_scenario_is_authorized(name):
    scenario = yaml.safe_load((REPO_ROOT / f"loadtest/{name}.yml").read_text())
    requests = requests_of(scenario["scenarios"][0]["flow"])
    assert len(requests) == 3
    assert all(r.get("beforeRequest") == "authorize" for r in requests)


@pytest.mark.skipif(NODE is None, reason="no node on PATH")
def test_buyers_take_the_tokens_in_turn_and_lose_the_stand_in(tmp_path):
    tokens = tmp_path / "buyers.csv"
    tokens.write_text("user,token\nload-buyer-00000,id-token-0\nload-buyer-00001,id-token-1\n")
    processor = str(REPO_ROOT / "loadtest/processor.js")
    assert NODE is not None
    done = subprocess.run(
        [NODE, "-e", DRIVE, processor],
        env={"FLASHDEAL_BUYER_TOKENS": str(tokens)},
        capture_output=True,
        text=True,
        check=True,
    )
    headers = json.loads(done.stdout)
    assert [h.get("Authorization") for h in headers] == ["id-token-0", "id-token-1", "id-token-0"]
    assert not any("X-User-Id" in h for h in headers)


@pytest.mark.skipif(NODE is None, reason="no node on PATH")
def test_without_tokens_the_stand_in_stays_for_the_embedded_stack():
    processor = str(REPO_ROOT / "loadtest/processor.js")
    assert NODE is not None
    done = subprocess.run([NODE, "-e", DRIVE, processor], env={}, capture_output=True, text=True, check=True)
    headers = json.loads(done.stdout)
    assert all(h["X-User-Id"].startswith("artillery-") and "Authorization" not in h for h in headers)
