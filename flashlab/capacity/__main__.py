"""``make capacity``: how far one deployment goes, what limits it first, and what a sale costs.

    python -m flashlab.capacity [--strategy sharded] [--out docs/capacity.md] [--plot docs/img/capacity.png]

Reads the lab's results (make bench), the front door's calls and CPU (make bench-front), template.yaml and
flashlab/capacity/aws.toml; writes the page and its plot; prints the ceilings and ends with the RESULT line.
"""

import argparse
import sys
from pathlib import Path

from flashdeal.sales import SaleRequest, Strategy
from flashlab import REPO_ROOT
from flashlab.capacity import cost, inputs, plot, report
from flashlab.capacity.model import limits

DEFAULT_OUT = REPO_ROOT / "docs" / "capacity.md"
DEFAULT_PLOT = REPO_ROOT / "docs" / "img" / "capacity.png"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flashlab.capacity", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default = SaleRequest.model_fields["strategy"].default
    parser.add_argument("--strategy", type=Strategy, default=default, choices=list(Strategy))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--plot", type=Path, default=DEFAULT_PLOT)
    args = parser.parse_args(argv)
    strategy = args.strategy.value
    measured = inputs.load()
    if strategy not in measured.settling:
        parser.error(f"{inputs.LAB_RESULTS} has no {strategy} cells: run `make bench` first")
    page = report.page(measured, strategy)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page.replace("](img/capacity.png)", f"]({_relative(args.plot, args.out)})"))
    plot.plot(measured, strategy, args.plot)
    found = limits(measured, strategy)
    for limit in found:
        print(f"{limit.buyers_per_s:>12,.0f} buyers/s  {limit.part}")
    print(f"page: {args.out}   plot: {args.plot}")
    first = found[0]
    per_million = sum(cost.per_million_orders(measured, strategy).values())
    print(
        f'RESULT first_bottleneck="{first.part}" at_buyers_per_s={first.buyers_per_s:.0f} '
        f"cost_per_million_orders_usd={per_million:.2f}"
    )
    return 0


def _relative(target: Path, page: Path) -> str:
    try:
        return str(target.resolve().relative_to(page.resolve().parent))
    except ValueError:
        return str(target.resolve())


if __name__ == "__main__":
    sys.exit(main())
