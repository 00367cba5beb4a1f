"""``make bench`` / ``make bench-quick``: the contention lab's numbers.

    python -m flashlab.bench [--quick] [--seconds 3] [--workers 1,8,32,64] [--batches 1,10,100]
                             [--strategies naive,atomic,optimistic,sharded,batched] [--sweep 250,1000]
                             [--shards N] [--out DIR]

The full run regenerates docs/lab/results.md, its JSON and its plots; --quick runs a reduced matrix in
about a minute (batched at 8, 32 and 64 workers in three interleaved rounds, the ratios from each cell's
median round), writes to .flashlab/bench-quick/ and ends with the RESULT line.
"""

import argparse
import sys
import time
from pathlib import Path

from flashdeal.sales import DEFAULT_SHARDS, MAX_SHARDS, Strategy
from flashlab import REPO_ROOT
from flashlab.bench import plots
from flashlab.bench.cells import Cell
from flashlab.bench.machine import machine_header
from flashlab.bench.pgbench import hot_row_tps
from flashlab.bench.report import (
    HEADLINE_BATCH,
    SHARDED_HEADLINE_BATCH,
    SHARDED_HEADLINE_WORKERS,
    Report,
    load_json,
    save_json,
)
from flashlab.bench.results_page import pgbench_lines, results_page, round_lines, table
from flashlab.bench.run import Bench
from flashlab.bench.targets import verdict_lines
from flashlab.postgres import start_database

DOCS = REPO_ROOT / "docs" / "lab"
QUICK_OUT = REPO_ROOT / ".flashlab" / "bench-quick"
SWEEP_WORKERS = 8
# batched at 8, 32 and 64 workers run this many times each, interleaved, and the ratios use each cell's median
# round: one 2 s cell on two shared cores reads up to 15% off, and the peak of three such cells reads high.
QUICK_ROUNDS = 3


def _numbers(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from exc
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("every value must be at least 1")
    return values


def _strategies(text: str) -> list[Strategy]:
    try:
        return [Strategy(v.strip()) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"strategies are {', '.join(s.value for s in Strategy)}") from exc


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m flashlab.bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="reduced matrix, about a minute, RESULT line last")
    parser.add_argument("--seconds", type=float, help="driving time per cell (default 3, quick 2)")
    parser.add_argument("--workers", type=_numbers, default=[1, 8, 32, 64])
    parser.add_argument("--batches", type=_numbers, default=[1, 10, HEADLINE_BATCH])
    parser.add_argument("--strategies", type=_strategies, default=list(Strategy))
    parser.add_argument(
        "--sweep", type=_numbers, default=[250, 1000], help=f"extra batch sizes at {SWEEP_WORKERS} workers"
    )
    parser.add_argument(
        "--shards", type=int, help=f"shards of every sharded and batched sale (default: a sale's, {DEFAULT_SHARDS})"
    )
    parser.add_argument("--out", type=Path, help="where results go (default docs/lab, quick .flashlab/bench-quick)")
    parser.add_argument("--replot", type=Path, metavar="RESULTS_JSON", help="redraw the page and plots of a run")
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (2.0 if args.quick else 3.0)
    if args.seconds <= 0 or args.seconds > 60:
        parser.error("--seconds must be in (0, 60]")
    if args.shards is not None and not 1 <= args.shards <= MAX_SHARDS:
        parser.error(f"--shards must be in [1, {MAX_SHARDS}], as in POST /sales")
    args.out = args.out or (QUICK_OUT if args.quick else DOCS)
    return args


def cells_for(args: argparse.Namespace) -> list[Cell]:
    if args.quick:  # what the RESULT line needs, and no more; batched_64_vs_peak's cells in interleaved rounds
        rounds = [Cell(Strategy.BATCHED, w, HEADLINE_BATCH) for _ in range(QUICK_ROUNDS) for w in (8, 32, 64)]
        return [
            Cell(Strategy.BATCHED, 1, HEADLINE_BATCH),
            *rounds,
            Cell(Strategy.NAIVE, 32, HEADLINE_BATCH),
            Cell(Strategy.SHARDED, SHARDED_HEADLINE_WORKERS, SHARDED_HEADLINE_BATCH),
        ]
    cells = [Cell(s, w, b) for w in args.workers for s in args.strategies for b in args.batches]
    if SWEEP_WORKERS in args.workers:
        sweep_strategies = [s for s in (Strategy.SHARDED, Strategy.BATCHED) if s in args.strategies]
        cells += [Cell(s, SWEEP_WORKERS, b) for s in sweep_strategies for b in args.sweep if b not in args.batches]
    return cells


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.replot:
        report = load_json(args.replot)
        write_outputs(report, args.out, full=len(report.cells) > len(cells_for(parse_args(["--quick"]))))
        print(f"redrew {args.out} from {args.replot}\n{report.result_line()}")
        return 0
    begun = time.perf_counter()
    cells = cells_for(args)
    clients = [1] if args.quick else sorted({1, *args.workers})
    print(f"contention lab: {len(cells)} cells of {args.seconds:g} s, pgbench at {clients} clients", flush=True)
    database = start_database(REPO_ROOT / ".flashlab" / "bench-pgdata", fresh=True, embedded=True)
    bench = None
    try:
        header = machine_header(database.url, args.seconds)  # before the workers load the machine
        report = Report(header | {"shards": f"{args.shards or DEFAULT_SHARDS} per sharded or batched sale"}, {})
        bench = Bench(database.url, max(c.workers for c in cells), args.seconds, shards=args.shards)
        hot_row_tps(database.url, 2, 2)  # warm-up: a fresh cluster creates its first WAL segments slowly
        for c in clients:
            report.record_pgbench(c, bench.pgbench(c))
        for n, cell in enumerate(cells, 1):
            result = bench.run(cell)
            report.cells.append(result)
            print(
                f"[{n:>2}/{len(cells)} {time.perf_counter() - begun:>5.0f} s] {cell.strategy.value:<10}"
                f" workers {cell.workers:>2}  batch {cell.batch:>4}: {result.rate:>8,.0f} orders/s"
                f"  p99 {result.p99_ms:>7.1f} ms  lock wait {result.lock_wait_share:>4.0%}"
                + ("" if result.verified else f"  POSTGRES DISAGREES: {result.in_postgres}, {result.failed} failed"),
                flush=True,
            )
        report.record_pgbench(1, bench.pgbench(1))  # the baseline again, after the cells
    finally:
        if bench is not None:
            bench.close()
        database.stop()
    write_outputs(report, args.out, full=not args.quick)
    print("\n" + "\n".join(f"{k}: {v}" for k, v in report.header.items()))
    print("\n".join(pgbench_lines(report)) + "\n\n" + table(report) + "\n")
    if rounds := round_lines(report):
        print("\n".join(rounds) + "\n")
    print("\n".join(verdict_lines(report)))
    print(f"results in {args.out}  ({time.perf_counter() - begun:.0f} s in all)")
    print(report.result_line())
    return 0 if all(c.verified for c in report.cells) else 1


def write_outputs(report: Report, out: Path, full: bool) -> None:
    save_json(report, out / "results.json")
    images = {
        "Throughput vs workers": plots.by_workers(
            report, out / "img" / "throughput.png", "rate", "settled orders/s (log)", "Throughput", pgbench=True
        ),
        "Lock wait vs workers": plots.by_workers(
            report, out / "img" / "lock_wait.png", "lock_wait_share", "time waiting on locks", "Lock wait", False
        ),
    }
    if full:
        images["Batch size"] = plots.by_batch_size(report, out / "img" / "batch_size.png", SWEEP_WORKERS)
    relative = {title: str(path.relative_to(out)) for title, path in images.items()}
    (out / "results.md").write_text(results_page(report, relative))


if __name__ == "__main__":
    sys.exit(main())
