"""`make local` as a process: it reports where its CPU goes, and `kill` stops every server it started."""

import signal
import urllib.error
import urllib.request

import httpx

from flashlab.stack_process import start_stack
from tests.factories import a_sale, admin_headers


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def test_cpu_by_part_then_sigterm_stops_every_server():
    stack = start_stack()
    try:
        with httpx.Client(base_url=stack.api_url, timeout=30) as client:
            sale = client.post("/sales", json=a_sale(), headers=admin_headers(stack.admin_token)).json()
            for n in range(5):
                client.post(
                    f"/sales/{sale['sale_id']}/orders",
                    json={"quantity": 1},
                    headers={"Idempotency-Key": f"cpu-{n}", "X-User-Id": f"cpu-{n}"},
                )
            cpu = client.get("/_local/stats").json()["cpu_s"]
        # every part the orders went through has used some CPU, and is named for what it is
        for part in ("gateway", "OrderApiFunction", "SaleAdminFunction", "moto", "moto (sqs)", "dynalite", "postgres"):
            assert cpu[part] > 0, (part, cpu)
        servers = [stack.aws_url, stack.sqs_url, stack.dynamodb_url]
        assert all(answers(url) for url in servers)
    finally:
        assert stack.process is not None
        stack.process.send_signal(signal.SIGTERM)  # what `kill`, systemd or a CI runner sends
        returncode = stack.process.wait(60)
    assert returncode == 0, "\n".join(stack.output)
    assert "stopped" in stack.output
    assert not [url for url in servers if answers(url)]
