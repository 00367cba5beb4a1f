"""Tables and plots of admission-lab runs; the pages are written by ``pages.py``."""

from collections import Counter
from pathlib import Path

from flashlab.admission_lab.runs import Run
from flashlab.front_bench.drive import Answer
from flashlab.percentiles import percentile
from flashlab.plotting import saved_figure


def kind(answer: Answer) -> str:
    return f"{answer.status} {answer.error or ''}".strip()


def spread(latencies: list[float]) -> str:
    """p50 / p99 / max in ms."""
    if not latencies:
        return "-"
    return f"{percentile(latencies, 0.5):.0f} / {percentile(latencies, 0.99):.0f} / {max(latencies):.0f}"


def overload_table(runs: list[Run]) -> str:
    kinds = sorted({kind(a) for r in runs for a in r.buyers})
    lines = [
        f"| run | {' | '.join(kinds)} | accepted: p50 / p99 / max ms | every answer: p50 / p99 / max ms "
        "| peak queued | peak DB connections | worker confirmed | worker rejected | queue empty after |",
        "|---|" + "---|" * (len(kinds) + 8),
    ]
    for r in runs:
        counts = Counter(kind(a) for a in r.buyers)
        confirmed = sum(n for k, n in r.settled.items() if k.startswith("CONFIRMED"))
        rejected = sum(n for k, n in r.settled.items() if k.startswith("REJECTED"))
        lines.append(
            f"| {r.label} | {' | '.join(f'{counts[k]:,}' for k in kinds)} "
            f"| {spread([a.latency_ms for a in r.buyers if a.status == 202])} "
            f"| {spread([a.latency_ms for a in r.buyers])} "
            f"| {max((s.queued for s in r.samples), default=0):,} "
            f"| {max((s.db_connections for s in r.samples), default=0)} "
            f"| {confirmed:,} | {rejected:,} | {r.drain_s:.1f} s |"
        )
    return "\n".join(lines)


def overload_plot(runs: list[Run], path: Path, title: str) -> None:
    with saved_figure(path, title, panels=3) as (depth, latency, connections):
        for r in runs:
            depth.plot([s.at_s for s in r.samples], [s.queued for s in r.samples], label=r.label)
            connections.plot([s.at_s for s in r.samples], [s.db_connections for s in r.samples], label=r.label)
            accepted = [(a.started_s, a.latency_ms) for a in r.buyers if a.status == 202]
            if accepted:
                latency.scatter(*zip(*accepted, strict=True), s=4, alpha=0.5, label=r.label)
        depth.set(xlabel="s since the burst began", ylabel="orders queued or in flight", title="Queue depth")
        latency.set(xlabel="sent at (s)", ylabel="ms", yscale="log", title="Accept latency (202 answers)")
        connections.set(xlabel="s since the burst began", ylabel="connections", title="Postgres connections")
        for axes in (depth, latency, connections):
            axes.legend()


def abuse_table(runs: list[Run]) -> str:
    lines = [
        "| protections | buyers accepted | buyers: p50 / p99 / max ms | bot requests | bots' answers "
        "| order API invocations | its AWS calls | AWS calls per request |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        bots = Counter(kind(a) for a in r.bots)
        answers = ", ".join(f"{k} {n:,}" for k, n in bots.most_common())
        per_request = r.api_calls / (len(r.buyers) + len(r.bots))
        lines.append(
            f"| {r.label} | {sum(a.status == 202 for a in r.buyers):,} of {len(r.buyers):,} "
            f"| {spread([a.latency_ms for a in r.buyers])} | {len(r.bots):,} | {answers} "
            f"| {r.api_invocations:,} | {r.api_calls:,} | {per_request:.2f} |"
        )
    return "\n".join(lines)


def abuse_plot(runs: list[Run], path: Path, title: str) -> None:
    with saved_figure(path, title) as (latency, bots):
        latency.boxplot([[a.latency_ms for a in r.buyers] for r in runs], whis=(1, 99), showfliers=False)
        latency.set_xticks(range(1, len(runs) + 1), [r.label for r in runs], fontsize=8)
        latency.set(ylabel="ms (box: quartiles, whiskers: p1-p99)", title="Honest buyers' answer latency")
        kinds = sorted({kind(a) for r in runs for a in r.bots})
        bottom = [0] * len(runs)
        for k in kinds:
            heights = [sum(kind(a) == k for a in r.bots) for r in runs]
            bots.bar([r.label for r in runs], heights, bottom=bottom, label=k)
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        bots.set(ylabel="requests", title="What the bots' requests got")
        bots.tick_params(axis="x", labelsize=8)
        bots.legend()
