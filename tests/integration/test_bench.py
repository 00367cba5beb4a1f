"""The bench's machinery on a tiny matrix: real worker processes, pgbench, and the Postgres cross-check.

Timings are not asserted; what is asserted is that every cell is measured and Postgres agrees with it.
"""

from pathlib import Path

import pytest

from flashdeal.adapters.sale_rows import insert_sale
from flashdeal.sales import Strategy
from flashlab.bench.cells import Cell
from flashlab.bench.run import APPLICATION, Bench
from flashlab.postgres import start_database


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory):
    # The bench truncates its tables between cells, so it gets a database of its own.
    database = start_database(Path(tmp_path_factory.mktemp("bench-pg")), fresh=True)
    lab = Bench(database.url, pool_size=3, seconds=0.5, progress=lambda line: None)
    yield lab
    lab.close()
    database.stop()


@pytest.mark.parametrize(("strategy", "batch"), [(Strategy.BATCHED, 10), (Strategy.OPTIMISTIC, 1)])
def test_a_cell_drives_every_worker_and_postgres_agrees(bench, strategy, batch):
    result = bench.run(Cell(strategy, workers=3, batch=batch))
    assert result.verified, result.in_postgres
    assert result.orders > 0
    assert result.in_postgres["orders"] == result.orders
    assert result.distinct_workers == 3  # one environment per worker
    assert result.peak_connections == 3
    assert result.p50_ms <= result.p99_ms


def _worker_backends(bench: Bench) -> set[int]:
    rows = bench.conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", (APPLICATION,))
    return {pid for (pid,) in rows}


def test_environments_keep_their_connections_from_cell_to_cell(bench):
    """As a warm Lambda environment does: no cell pays for new backends inside its window."""
    connected = _worker_backends(bench)
    assert len(connected) == 3  # the warm-up connected every environment
    bench.run(Cell(Strategy.SHARDED, workers=3, batch=5))
    assert _worker_backends(bench) == connected


def test_a_cell_counts_only_the_connections_its_workers_used(bench):
    result = bench.run(Cell(Strategy.ATOMIC, workers=1, batch=5))
    assert len(_worker_backends(bench)) == 3
    assert (result.peak_connections, result.distinct_workers) == (1, 1)


def test_a_shard_count_given_to_the_bench_is_every_sharded_sale_s(bench, monkeypatch):
    made = []
    monkeypatch.setattr(bench, "shards", 3)
    monkeypatch.setattr(
        "flashlab.bench.run.insert_sale", lambda conn, sale: made.append(sale) or insert_sale(conn, sale)
    )
    bench.run(Cell(Strategy.SHARDED, workers=1, batch=5))
    bench.run(Cell(Strategy.NAIVE, workers=1, batch=5))
    assert [sale.shards for sale in made] == [3, 1]


def test_each_cell_starts_from_empty_tables(bench):
    bench.run(Cell(Strategy.SHARDED, workers=1, batch=5))
    assert bench.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 0


def test_pgbench_reports_a_rate_on_the_hot_row(bench):
    assert bench.pgbench(1) > 0
    remaining = bench.conn.execute("SELECT remaining FROM bench_hot_row WHERE id = 1").fetchone()[0]
    assert remaining < 1_000_000_000  # it really decremented the row
