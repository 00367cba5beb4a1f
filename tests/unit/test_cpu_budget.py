"""CPU by part of the stack: readings, differences, the per-order budget and the ceiling it implies."""

import os
import time

from flashlab.front_bench.cpu_budget import CpuSpent, cores, rows
from flashlab.local.cpu_use import between, postmaster_pid, seconds


def burn(cpu_s: float) -> None:
    until = time.process_time() + cpu_s
    while time.process_time() < until:
        pass


def test_a_process_cpu_seconds_grow_with_work_and_a_gone_pid_counts_nothing():
    before = seconds([os.getpid()])
    burn(0.05)
    assert seconds([os.getpid()]) - before >= 0.04
    assert seconds([2**22 + 12345]) == 0.0  # above pid_max: no such process


def test_between_subtracts_by_part_and_counts_a_new_part_from_zero():
    assert between({"a": 1.0, "b": 2.0}, {"a": 1.5, "b": 2.0, "c": 0.25}) == {"a": 0.5, "b": 0.0, "c": 0.25}


def test_postmaster_pid_is_the_first_line_of_postmaster_pid(tmp_path):
    assert postmaster_pid(tmp_path) is None
    (tmp_path / "postmaster.pid").write_text("4242\n/data\n")
    assert postmaster_pid(tmp_path) == 4242


def test_per_order_budget_is_ranked_and_the_ceiling_divides_the_cores_by_it():
    spent = CpuSpent({"dynalite": 0.4, "OrderApiFunction": 1.0, "load client": 0.6}, wall_s=2.0)
    assert list(spent.per_order_ms(100)) == ["OrderApiFunction", "load client", "dynalite"]
    assert spent.per_order_ms(100)["OrderApiFunction"] == 10.0
    assert spent.busy(2) == 0.5
    table = "\n".join(rows(spent, 100, spent, 200))
    assert "20.0 ms (OrderApiFunction 10.0, load client 6.0, dynalite 4.0)" in table
    assert f"{cores() * 1000 / 20:.0f} accepted orders/s" in table
    assert "10.0 ms CPU per answer" in table


def test_against_a_deployed_api_there_is_no_budget():
    assert rows(None, 100, None, 0) == ["| CPU per accepted order | n/a (not the embedded stack) | |"]
