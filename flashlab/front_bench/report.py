"""The front-door benchmark's table, plot and RESULT line."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flashlab.bench.machine import git_commit
from flashlab.front_bench import cpu_budget
from flashlab.front_bench.cpu_budget import CpuSpent
from flashlab.front_bench.drive import Answer
from flashlab.percentiles import percentile
from flashlab.plotting import saved_figure

TARGETS = {"seq_accept_p50_ms": 15.0, "accepted_per_s": 200.0, "p99_ms": 500.0, "max_ms": 1000.0}
SEED_REQ_PER_S = "297-352"  # the Rust seed's front door on this machine (issue 10)


@dataclass
class FrontResult:
    sequential: list[Answer]
    burst: list[Answer]
    calls_per_accept: dict[str, float] = field(default_factory=dict)
    calls_per_rejection: dict[str, float] = field(default_factory=dict)
    cpu_sequential: CpuSpent | None = None
    cpu_burst: CpuSpent | None = None
    cpu_ms_per_rejection: dict[str, float] | None = None  # by part, sold-out answers one at a time

    def numbers(self) -> dict[str, float]:
        accepted = [a for a in self.burst if a.status == 202]
        last_accept = max((a.started_s + a.latency_ms / 1000 for a in accepted), default=0.0)
        latencies = [a.latency_ms for a in self.burst]
        return {
            "seq_accept_p50_ms": percentile([a.latency_ms for a in self.sequential if a.status == 202], 0.5),
            "accepted_per_s": len(accepted) / last_accept if last_accept else 0.0,
            "p99_ms": percentile(latencies, 0.99),
            "max_ms": max(latencies, default=float("nan")),
            "answers_5xx": float(sum(a.status >= 500 for a in self.burst)),
        }

    def met(self) -> dict[str, bool]:
        numbers = self.numbers()
        met = {name: numbers[name] <= most for name, most in TARGETS.items() if name != "accepted_per_s"}
        return met | {
            "accepted_per_s": numbers["accepted_per_s"] >= TARGETS["accepted_per_s"],
            "no_5xx": not numbers["answers_5xx"],
        }


def _kind(answer: Answer) -> str:
    return f"{answer.status} {answer.error or ''}".strip()


def table(result: FrontResult, clients: int) -> str:
    numbers = result.numbers()
    by_kind: dict[str, list[float]] = defaultdict(list)
    for answer in result.burst:
        by_kind[_kind(answer)].append(answer.latency_ms)
    lines = [
        f"burst: {len(result.burst):,} buyers, {clients} clients in a closed loop",
        "| answer | count | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|",
    ]
    for kind, values in sorted(by_kind.items(), key=lambda item: -len(item[1])):
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        lines.append(f"| {kind} | {len(values):,} | {p50:.0f} | {p99:.0f} | {max(values):.0f} |")
    lines += [
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| sequential accept p50 | {numbers['seq_accept_p50_ms']:.1f} ms | <= {TARGETS['seq_accept_p50_ms']:.0f} ms |",
        f"| accepted orders/s in the burst | {numbers['accepted_per_s']:.0f} | >= {TARGETS['accepted_per_s']:.0f} "
        f"(the Rust seed: {SEED_REQ_PER_S} req/s) |",
        f"| every answer p99 / max | {numbers['p99_ms']:.0f} / {numbers['max_ms']:.0f} ms | <= 500 / 1000 ms |",
        f"| 5xx answers | {numbers['answers_5xx']:.0f} | 0 |",
        f"| AWS calls per accepted order | {_calls(result.calls_per_accept)} | |",
        f"| AWS calls per rejected order (sold out) | {_calls(result.calls_per_rejection)} | |",
        *cpu_budget.rows(
            result.cpu_sequential,
            sum(a.status == 202 for a in result.sequential),
            result.cpu_burst,
            len(result.burst),
        ),
    ]
    return "\n".join(lines)


def _calls(per_order: dict[str, float]) -> str:
    if not per_order:
        return "n/a (not the embedded stack)"
    detail = ", ".join(f"{op} {n:.2f}" for op, n in per_order.items())
    return f"{sum(per_order.values()):.2f} ({detail})"


def result_line(result: FrontResult) -> str:
    numbers = result.numbers()
    return (
        f"RESULT seq_accept_p50_ms={numbers['seq_accept_p50_ms']:.1f} accepted_per_s={numbers['accepted_per_s']:.0f} "
        f"p99_ms={numbers['p99_ms']:.0f} max_ms={numbers['max_ms']:.0f} answers_5xx={numbers['answers_5xx']:.0f} "
        f"targets_met={all(result.met().values())}"
    )


def to_json(result: FrontResult) -> dict[str, Any]:
    """What ``make capacity`` reads: the calls and CPU one accepted order costs, and the run's numbers."""
    accepts = sum(a.status == 202 for a in result.sequential)
    cpu = result.cpu_sequential.per_order_ms(accepts) if result.cpu_sequential is not None else {}
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "calls_per_accept": result.calls_per_accept,
        "calls_per_rejection": result.calls_per_rejection,
        "cpu_ms_per_accept": _rounded(cpu),  # by part of the embedded stack, one at a time (settling included)
        "cpu_ms_per_rejection": _rounded(result.cpu_ms_per_rejection or {}),
        "numbers": result.numbers(),
    }


def _rounded(ms_by_part: dict[str, float]) -> dict[str, float]:
    return {part: round(ms, 2) for part, ms in ms_by_part.items() if ms >= 0.005}


def plot(result: FrontResult, path: Path, title: str) -> None:
    with saved_figure(path, title) as (timeline, latency):
        kinds = sorted({_kind(a) for a in result.burst})
        for kind in kinds:
            points = [(a.started_s, a.latency_ms) for a in result.burst if _kind(a) == kind]
            timeline.scatter(*zip(*points, strict=True), s=4, alpha=0.5, label=kind)
        timeline.set(xlabel="sent at (s since the burst began)", ylabel="answer latency (ms)", yscale="log")
        timeline.set_title("Every answer of the burst")
        timeline.legend(markerscale=3)
        edges = [10 ** (i / 10) for i in range(0, 46)]  # 1 ms .. 30 s
        latency.hist(
            [[a.latency_ms for a in result.burst if _kind(a) == k] for k in kinds],
            bins=edges,
            stacked=True,
            label=kinds,
        )
        latency.axvline(TARGETS["p99_ms"], color="grey", linestyle="--", label="p99 target")
        latency.set(xscale="log", xlabel="answer latency (ms, log scale)", ylabel="answers", title="Latency by answer")
        latency.legend()
