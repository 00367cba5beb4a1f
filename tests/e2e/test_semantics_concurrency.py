"""ScalingConfig.MaximumConcurrency caps the batches in flight, whatever the backlog."""

from tests.e2e.lab import create_sale, order_bodies, send, wait_until, worker_stats

STACK_ARGS = [
    "--param",
    "WorkerMaximumConcurrency=2",
    "--param",
    "WorkerReservedConcurrency=8",
    "--param",
    "WorkerBatchSize=1",
]
MESSAGES = 60


def test_at_most_maximum_concurrency_batches_run_at_once(lab_stack):
    sale_id = create_sale(lab_stack)
    send(lab_stack, order_bodies(sale_id, MESSAGES))
    wait_until(lambda: worker_stats(lab_stack)[0]["records_ok"] >= MESSAGES, timeout_s=90)
    source, function = worker_stats(lab_stack)
    assert source["pollers"] == 2
    assert source["peak_in_flight"] == 2  # the cap is reached ...
    assert function["peak_busy"] == 2  # ... and never passed
    assert function["throttles"] == 0
