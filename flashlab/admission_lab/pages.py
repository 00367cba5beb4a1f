"""The lab pages of phases 3 and 7, written from a run's numbers (prose around generated tables)."""

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flashlab.admission_lab.report import abuse_plot, abuse_table, overload_plot, overload_table
from flashlab.admission_lab.runs import Run
from flashlab.percentiles import percentile


@dataclass
class Page:
    path: Path
    plot: Path
    table: str


def _drawn(args: argparse.Namespace, page: str, image: str, draw: Callable[[Path], None], table: str) -> Page:
    """The page's path, its plot drawn, and its table."""
    plot = args.out / "img" / image
    draw(plot)
    return Page(args.out / page, plot, table)


def _with_timelines(runs: list[Run], args: argparse.Namespace, page: str, image: str, title: str) -> Page:
    return _drawn(args, page, image, lambda plot: overload_plot(runs, plot, title), overload_table(runs))


def overload_page(runs: list[Run], args: argparse.Namespace) -> Page:
    title = f"{args.buyers:,} buyers for {args.inventory:,} units, {args.clients} clients: shedding off, then on"
    drawn = _with_timelines(runs, args, "phase-3-admission-control.md", "phase-3-overload.png", title)
    path, plot, table = drawn.path, drawn.plot, drawn.table
    off, on = runs
    path.write_text(f"""# Phase 3: admission control

A flash sale is overload by design: far more buyers than units, all at once. Admission control decides
who gets in, early and cheaply, so the expensive part (Postgres, where stock is taken) sees only work it
can finish. FlashDeal has it in layers, each one in `template.yaml`:

| layer | where | what it sheds | answer |
|---|---|---|---|
| method throttles | API Gateway (`MethodSettings`) | requests above a rate per method; polling has its own budget | `429 throttled` |
| Lambda concurrency | the API function (account limit), the worker (`ReservedConcurrentExecutions`) | invocations beyond what may run at once | `429 throttled` |
| sold-out fast path | the API, from a per-environment cache (`SALE_STATE_TTL_SECONDS`) | buyers of a sold-out sale, with one read | `409 sold_out` |
| backlog shedding | the API, a counter on the sale's item (`BacklogMarginPercent`) | orders for units already claimed by queued orders | `409 fully_claimed` + `Retry-After` |
| worker `MaximumConcurrency` | the SQS event source | nothing: it bounds Postgres connections, and the queue absorbs the rest | (orders wait in SQS) |

The failure mode this page reproduces: **without backlog shedding the API queues orders that cannot
succeed.** The sold-out flag reaches the API only after a worker has settled the last unit, and the
cache holds it a little longer; every order accepted in between waits in the queue, costs a worker a
transaction, and ends `REJECTED`. Its buyer got a `202` and has to poll to learn the answer they could
have had at once.

## Run it

```bash
make lab-admission    # ~2 minutes; rewrites this page and img/phase-3-overload.png
```

One embedded stack, two sales of {args.inventory:,} units, each hit by {args.buyers:,} buyers over
{args.clients} connections in a closed loop (10x overload). The first sale is created with
`"backlog_margin_percent": "off"`, the second with `0` (the default). Queue depth and Postgres
connections are sampled every 250 ms; Postgres is asked afterwards how every order ended.

## What it measured

{table}

![queue depth, accept latency and Postgres connections]({plot.relative_to(path.parent)})

- **Shedding off:** {off.settled.get("REJECTED sold_out", 0):,} orders were queued and then rejected by
  the worker: accepted with a `202`, settled `REJECTED sold_out`.
- **Shedding on:** {on.settled.get("REJECTED sold_out", 0):,} rejected by the worker; buyers beyond the
  units heard `409 fully_claimed` at once instead. {on.settled.get("CONFIRMED", 0):,} of the
  {sum(a.status == 202 for a in on.buyers):,} accepted orders were confirmed.
- Postgres connections stay at or below the worker's `MaximumConcurrency` (8) plus the one the sale-admin
  function keeps, in both runs: the queue, not Postgres, takes the burst.
- Confirmed never exceeds the inventory (the table's "worker confirmed"): shedding changes who is told
  what and when, never whether the stock holds.

The numbers are the embedded stack's, on two shared cores; compare the rows with each other, not with
AWS. Answers here include `429 throttled` when more than `--account-concurrency` (16) invocations are
in flight, as Lambda throttles at its account limit.

## How it works

`flashdeal/adapters/unit_claims.py`: the sale's item holds `unclaimed`, set to the inventory plus the
margin at creation. Accepting an order claims its units with one conditional `ADD`; when too few are left
the API answers `409 fully_claimed` (with `Retry-After: 2`: if some orders fail, their units come back)
and that environment answers the same without a write for the sale-state TTL. A `REJECTED` order gives
its units back while its buyer's counter still lists it, so the give-back errs towards one order too
many, never a stranded unit. Tests: `tests/unit/test_admission.py`, `tests/integration/test_admission.py`.
""")
    return drawn


def _accepted(run: Run, fraction: float) -> float:
    return percentile([a.latency_ms for a in run.buyers if a.status == 202], fraction)


def async_page(runs: list[Run], args: argparse.Namespace) -> Page:
    title = f"{args.buyers:,} buyers, {args.clients} clients: Postgres as it is, then +{args.slow_ms} ms per order"
    drawn = _with_timelines(runs, args, "phase-4-async.md", "phase-4-slow-postgres.png", title)
    path, plot, table = drawn.path, drawn.plot, drawn.table
    fast, slow = runs
    path.write_text(f"""# Phase 4: asynchronous processing

The buy button answers `202 Accepted` once the order is validated, counted against the buyer's limit
and queued on SQS; a worker takes the stock in Postgres later. The API never opens a Postgres
connection. This page shows what that buys: **when Postgres is slow, buyers do not wait for it.** The
queue grows instead, and drains when Postgres catches up; each buyer's order status (`GET
/orders/{{id}}`, `Retry-After` while `PENDING`) tells them when it is settled.

The failure mode it replaces: with a synchronous design (phase 1's naive locking), every request holds a
Postgres connection while it waits for the hot row, so a slow database turns straight into slow or
failing answers, and into a connection storm.

## Run it

```bash
make lab-async    # ~2 minutes; rewrites this page and img/phase-4-slow-postgres.png
```

One embedded stack, the same burst twice: {args.buyers:,} buyers over {args.clients} connections (as
many as the embedded Lambda runs before it throttles, so no buyer is turned away), each buying one unit
of a sale large enough for all. The second time a trigger makes Postgres sleep
{args.slow_ms} ms inside every order's transaction (`flashlab/admission_lab/observe.py: SlowPostgres`),
holding its locks, as a slow disk or a busy primary would.

## What it measured

{table}

![queue depth, accept latency and Postgres connections]({plot.relative_to(path.parent)})

- Accept latency, p50 / p99: {_accepted(fast, 0.5):.0f} / {_accepted(fast, 0.99):.0f} ms with Postgres as it
  is, {_accepted(slow, 0.5):.0f} / {_accepted(slow, 0.99):.0f} ms with it slowed: the API's work does not
  include Postgres, so what moves it is the shared CPU, not the database.
- In the plot the slowed run's accept latency climbs as its queue deepens. That is the emulator: moto's SQS
  walks the whole queue on every send (see [front-door.md](front-door.md)), and it shares the two cores.
  An SQS send in AWS does not depend on the queue's depth.
- The queue absorbs the difference: with Postgres slowed it peaks at
  {max((s.queued for s in slow.samples), default=0):,} orders (against
  {max((s.queued for s in fast.samples), default=0):,}) and empties {slow.drain_s:.1f} s after the burst
  (against {fast.drain_s:.1f} s).
- Postgres connections stay bounded by the worker's `MaximumConcurrency` either way: a slow database gets
  no more connections, only a longer queue.

What bounds the wait: the queue's visibility timeout (six worker timeouts) and `maxReceiveCount` (5). A
Postgres slower than the worker's lock timeout (2 s) makes records fail with `inventory_contention` and
come back later; phase 8's chaos run (`make chaos`) stops Postgres outright and shows every order still
ends final.
""")
    return drawn


def abuse_page(runs: list[Run], args: argparse.Namespace) -> Page:
    title = f"{args.buyers:,} buyers ({args.clients} connections) and {args.bots} bots ({args.bot_clients} connections)"
    drawn = _drawn(
        args, "phase-7-hardening.md", "phase-7-abuse.png", lambda plot: abuse_plot(runs, plot, title), abuse_table(runs)
    )
    path, plot, table = drawn.path, drawn.plot, drawn.table
    path.write_text(f"""# Phase 7: hardening against abusive buyers

Phase 3's admission control is about too many honest buyers. This page is about a few dishonest ones:
scripts that send orders back to back, with a fresh `Idempotency-Key` each time so no replay stops them.
The purchase limit already stops them from *buying* more than their share; what they take is capacity,
from everyone else. Two limits answer them, and the page measures both:

| limit | where | keyed on | cost of one refused request | answer |
|---|---|---|---|---|
| WAF rate rule (`WafRequestsPerClient`) | in front of API Gateway | the `Authorization` header, else the IP | no Lambda, no AWS call | `429 rate_limited` + `Retry-After: 60` |
| per-buyer request limit (`BuyerRequestsPerMinute`) | the API, a DynamoDB counter per buyer and minute | the buyer identity | one invocation, one write (none once the environment remembers) | `429 buyer_rate_limited` + `Retry-After` |

The WAF is the cheap one; the per-buyer limit is the exact one: it holds per identity, across IPs and
tokens, and across every Lambda environment (`tests/unit/test_admission.py` clears one environment's
memory and the limit still holds). Backlog shedding (phase 3) is on in the protected runs too.

## Run it

```bash
make lab-hardening    # ~3 minutes; rewrites this page and img/phase-7-abuse.png
```

Three fresh embedded stacks, one per row. On each, a sale of {args.inventory:,} units; {args.buyers:,}
honest buyers each send one order over {args.clients} connections, while {args.bots} bot identities send
orders back to back over {args.bot_clients} connections until the last honest buyer is answered. Every
client sends `Authorization: Bearer <its name>`, so the WAF can tell them apart (locally all of them are
127.0.0.1).

## What it measured

{table}

![honest buyers' latency and what the bots got]({plot.relative_to(path.parent)})

- Honest buyers accepted: {", ".join(f"{sum(a.status == 202 for a in r.buyers):,}" for r in runs)} of
  {args.buyers:,}, row by row. The others got `429 throttled`: the bots' requests held the order API's
  Lambda concurrency when they arrived. A refusal that never reaches Lambda leaves that concurrency to them.
- "order API invocations" counts Lambda invocations: the WAF's refusals never reach one.
- "AWS calls per request" is what one request costs the order API on average, honest and abusive together.
- Bots' `409 purchase_limit_reached` answers are the purchase limit doing its job late and at full price
  (four or five AWS calls each); the two limits here answer earlier and cheaper.

On two shared cores the bots and the buyers compete for the same CPU as the emulated AWS, so the effect
on honest latency is larger here than in AWS, where the bots' load would land on other machines; compare
rows within one run.
""")
    return drawn
