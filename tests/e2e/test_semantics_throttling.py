"""Reserved concurrency below MaximumConcurrency: invocations over the cap are throttled, nothing is lost."""

import psycopg

from tests.e2e.lab import settle_through_the_stack, wait_until

STACK_ARGS = [
    "--param",
    "WorkerMaximumConcurrency=4",
    "--param",
    "WorkerReservedConcurrency=2",
    "--param",
    "WorkerBatchSize=1",
    "--param",
    "MaxReceiveCount=100",
    "--visibility-timeout",
    "1",
]
MESSAGES = 60


def test_throttled_batches_come_back_and_nothing_runs_above_the_reserve(lab_stack):
    sale_id, source, function = settle_through_the_stack(lab_stack, MESSAGES)
    assert source["throttled_batches"] > 0  # four pollers, two environments: some invocations are refused
    assert function["throttles"] == source["throttled_batches"]
    assert function["peak_busy"] <= 2
    assert function["environments"] <= 2
    # Every throttled message comes back after its visibility timeout. (The worker's count of records can
    # run ahead of the orders: with a 1 s visibility a slow batch is delivered twice and settled once.)
    with psycopg.connect(lab_stack.database_url, autocommit=True) as conn:

        def settled() -> int:
            return conn.execute("SELECT count(*) FROM orders WHERE sale_id = %s", (sale_id,)).fetchone()[0]

        wait_until(lambda: settled() >= MESSAGES, timeout_s=60)
        assert settled() == MESSAGES
