"""BatchSize above 10 with a batching window: records are gathered across receives into one invocation."""

from tests.e2e.lab import settle_through_the_stack

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
    _, source, _ = settle_through_the_stack(lab_stack, MESSAGES)
    assert 10 < source["largest_batch"] <= 50  # one SQS receive returns at most 10
    assert source["batches"] < MESSAGES / 10
