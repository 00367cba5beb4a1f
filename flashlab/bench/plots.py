"""The bench's pictures: throughput and lock wait against workers, and the SQS batch-size effect."""

from pathlib import Path
from typing import Any

from flashlab.bench.cells import CellResult
from flashlab.bench.report import Report

STYLE = {
    "naive": ("tab:red", "o"),
    "atomic": ("tab:orange", "s"),
    "optimistic": ("tab:purple", "^"),
    "sharded": ("tab:blue", "D"),
    "batched": ("tab:green", "*"),
}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def by_workers(report: Report, out: Path, metric: str, ylabel: str, title: str, pgbench: bool) -> Path:
    plt = _pyplot()
    medians = report.medians()  # one point per cell: the median round of a cell that ran in several
    worker_counts: dict[int, set[int]] = {}
    for c in medians:
        worker_counts.setdefault(c.batch, set()).add(c.workers)
    batches = sorted(b for b, counts in worker_counts.items() if len(counts) > 1) or sorted(worker_counts)
    fig, axes = plt.subplots(1, len(batches), figsize=(5.2 * len(batches), 4.4), squeeze=False, sharey=True)
    for ax, batch in zip(axes[0], batches, strict=True):
        for strategy, (colour, marker) in STYLE.items():
            cells = sorted((c for c in medians if c.strategy == strategy and c.batch == batch), key=_workers)
            if cells:
                values = [getattr(c, metric) for c in cells]
                ax.plot([c.workers for c in cells], values, marker=marker, color=colour, label=strategy)
        if pgbench and report.pgbench:
            clients = sorted(report.pgbench)
            ax.plot(clients, [report.pgbench[c] for c in clients], "k--", label="pgbench hot row (tps)")
        ax.set(xscale="log", xlabel="concurrent workers (processes)", title=f"SQS batch size {batch}")
        ax.set_xticks(
            sorted({c.workers for c in medians}),
            labels=[str(w) for w in sorted({c.workers for c in medians})],
        )
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(ylabel)
    if metric == "rate":
        axes[0][0].set_yscale("log")
    else:
        axes[0][0].yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, plt, out)


def by_batch_size(report: Report, out: Path, workers: int) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.4))
    for strategy, (colour, marker) in STYLE.items():
        cells = sorted((c for c in report.medians() if c.strategy == strategy and c.workers == workers), key=_batch)
        if len(cells) > 1:
            ax.plot([c.batch for c in cells], [c.rate for c in cells], marker=marker, color=colour, label=strategy)
    if 1 in report.pgbench:
        ax.axhline(report.pgbench[1], color="k", linestyle="--", label="pgbench hot row, 1 client")
    ax.set(xscale="log", yscale="log", xlabel="SQS batch size (records per invocation)", ylabel="settled orders/s")
    ax.set_title(f"The batch-size effect at {workers} workers")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, plt, out)


def _workers(cell: CellResult) -> int:
    return cell.workers


def _batch(cell: CellResult) -> int:
    return cell.batch


def _save(fig: Any, plt: Any, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
