"""The capacity page's figure: accepted orders against the offered load, each part's ceiling, the cost."""

from pathlib import Path

from flashlab.capacity import cost
from flashlab.capacity.inputs import Inputs
from flashlab.capacity.model import limits
from flashlab.capacity.report import LOADS
from flashlab.plotting import saved_figure


def plot(inputs: Inputs, strategy: str, path: Path) -> None:
    found = limits(inputs, strategy)
    offered = [10 ** (k / 20) for k in range(40, 125)]  # 100 .. 1.8M buyers/s
    front = [x for x in found if x.tier != "settling"]
    title = f"One sale on one deployment ({strategy}, template defaults)"
    with saved_figure(path, title, panels=3) as (load, ceilings, money):
        accepted = [min([r] + [x.buyers_per_s for x in front]) for r in offered]
        settled = [min(a, inputs.settling[strategy].orders_per_s) for a in accepted]
        load.plot(offered, offered, color="lightgrey", label="offered")
        load.plot(offered, accepted, linewidth=2.5, label="accepted orders/s")
        load.plot(offered, settled, linewidth=1.5, linestyle="--", label="settled orders/s")
        load.set(xscale="log", yscale="log", xlabel="buyers/s offered", ylabel="per second")
        load.set_title(f"Flat from {found[0].buyers_per_s:,.0f}/s: {found[0].part}", fontsize=9)
        load.legend(fontsize=7)
        ceilings.barh([x.part for x in found], [x.buyers_per_s for x in found], color="tab:orange")
        for buyers in LOADS:
            ceilings.axvline(buyers, color="grey", linestyle="--", linewidth=0.8)
        ceilings.set(xscale="log", xlabel="full at buyers/s (dashed: 1k, 10k, 100k, 1M)", title="Each part's ceiling")
        ceilings.tick_params(axis="y", labelsize=7)
        ceilings.invert_yaxis()
        orders = cost.per_million_orders(inputs, strategy)
        money.barh(list(orders), list(orders.values()))
        money.set(xlabel="US$ per million orders", title=f"${sum(orders.values()):,.2f} per million orders")
        money.tick_params(axis="y", labelsize=7)
        money.invert_yaxis()
