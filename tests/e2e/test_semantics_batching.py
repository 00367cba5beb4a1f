"""BatchSize above 10 with a batching window: records are gathered across receives into one invocation."""

from tests.e2e.lab import create_sale, order_bodies, send, wait_until, worker_stats

STACK_ARGS = [
    "--param",
    "WorkerBatchSize=50",
    "--param",
    "WorkerBatchingWindowSeconds=2",
    "--param",
    "WorkerMaximumConcurrency=2",
    "--param",
    "WorkerReservedConcurrency=2",
]
MESSAGES = 100


def test_batches_grow_past_one_receive_and_stay_within_batch_size(lab_stack):
    sale_id = create_sale(lab_stack)
    send(lab_stack, order_bodies(sale_id, MESSAGES))
    wait_until(lambda: worker_stats(lab_stack)[0]["records_ok"] >= MESSAGES, timeout_s=90)
    source, _ = worker_stats(lab_stack)
    assert 10 < source["largest_batch"] <= 50  # one SQS receive returns at most 10
    assert source["batches"] < MESSAGES / 10
