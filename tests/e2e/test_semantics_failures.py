"""ReportBatchItemFailures and the redrive policy: only failed records come back; after maxReceiveCount they
move to the DLQ, and the good records of their batches were settled exactly once."""

import json
import subprocess
import sys

import psycopg

from tests.e2e.lab import create_sale, order_bodies, queue_url, send, sqs, wait_until, worker_stats

STACK_ARGS = [
    "--param",
    "MaxReceiveCount=2",
    "--visibility-timeout",
    "10",  # a cold start on a loaded machine must not outlast it (CI once saw 2 failed receives, not 4)
    "--param",
    "WorkerBatchSize=10",
    "--param",
    "WorkerBatchingWindowSeconds=1",
    "--param",
    "WorkerMaximumConcurrency=2",
    "--param",
    "WorkerReservedConcurrency=2",
]
GOOD, BAD = 8, ["{not json", json.dumps({"order_id": "not-a-uuid"})]


def dlq_bodies(stack) -> list[str]:
    answer = sqs(stack).receive_message(
        QueueUrl=queue_url(stack, "OrdersDLQ"), MaxNumberOfMessages=10, VisibilityTimeout=0, AttributeNames=["All"]
    )
    return [m["Body"] for m in answer.get("Messages", [])]


def test_only_failed_records_are_retried_and_then_dead_lettered(lab_stack):
    sale_id = create_sale(lab_stack)
    # GIVEN warm workers (a cold start must not outlast the visibility timeout and blur the counts)
    send(lab_stack, order_bodies(sale_id, 2))
    wait_until(lambda: worker_stats(lab_stack)[0]["records_ok"] >= 2)
    # WHEN a batch mixes good records with malformed ones
    good = order_bodies(sale_id, GOOD)
    send(lab_stack, good[:4] + BAD + good[4:])
    bodies = wait_until(lambda: (b := dlq_bodies(lab_stack)) and len(b) == len(BAD) and b, timeout_s=60)
    assert sorted(bodies) == sorted(BAD)
    source, _ = worker_stats(lab_stack)
    # THEN only the bad ones went round, maxReceiveCount times each, and the good ones were settled once
    assert source["records_ok"] == GOOD + 2
    assert source["records_failed"] == 2 * len(BAD)  # each bad one was received maxReceiveCount times
    with psycopg.connect(lab_stack.database_url) as conn:
        assert conn.execute("SELECT count(*) FROM orders WHERE sale_id = %s", (sale_id,)).fetchone()[0] == GOOD + 2


def ops(stack, command: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flashlab.ops", command, "--api", stack.api_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_make_redrive_moves_the_dead_letters_back_and_says_how_many(lab_stack):
    waiting = len(wait_until(lambda: dlq_bodies(lab_stack), timeout_s=60))
    out = ops(lab_stack, "redrive")
    assert f"moved {waiting} message(s)" in out
    # still malformed: they fail again and come back, maxReceiveCount deliveries later
    assert wait_until(lambda: len(dlq_bodies(lab_stack)) == waiting, timeout_s=60)


def test_make_reconcile_runs_the_reconciler_function_and_reports(lab_stack):
    out = ops(lab_stack, "reconcile")
    assert "0 with a stock mismatch" in out
    assert json.loads(out[: out.rindex("}") + 1])["sales_checked"] >= 1
