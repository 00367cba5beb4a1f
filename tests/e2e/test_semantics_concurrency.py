"""ScalingConfig.MaximumConcurrency caps the batches in flight, whatever the backlog."""

from tests.e2e.lab import settle_through_the_stack

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
    _, source, function = settle_through_the_stack(lab_stack, MESSAGES)
    assert source["pollers"] == 2
    assert source["peak_in_flight"] == 2  # the cap is reached ...
    assert function["peak_busy"] == 2  # ... and never passed
    assert function["throttles"] == 0
