"""Whole-backlog allocation under scarcity: CP-SAT beside the order-by-order greedy, same backlog.

Generates a backlog of ``--orders`` orders (default 10,000) over ``--skus`` SKUs (2,000) with
Zipf-skewed popularity, 1 to 3 lines of 1 to 3 units, ship-to points spread over the contiguous
US, priorities 1 (80 %), 2 (15 %) and 3 (5 %), ages 0 to 10 days; ``--locations`` warehouses
(20), each SKU stocked at 2 to 6 of them, total stock about half the demand (``--scarcity``).

Prints, for greedy and CP-SAT: units filled, weighted fill, cost, splits, orders filled, solve
time. Targets: CP-SAT solve time (model building included) under 10 s, and strictly better fill,
or equal fill and strictly lower cost, than greedy. Exit code 1 only if a plan breaks a rule
(stock overdrawn, a line not exactly filled).

    .venv/bin/python benchmarks/bench_backlog.py
    .venv/bin/python benchmarks/bench_backlog.py --orders 2000 --time-limit 3   # quicker
"""

from __future__ import annotations

import argparse
import random
import sys

from overture.domain.backlog import Backlog, BacklogLine, BacklogOrder, BacklogPlan, StockLocation, greedy, violations
from overture.domain.routing import GeoPoint
from overture.services.backlog_solver import SolverSettings, optimise

TARGET_SECONDS = 10.0


def _point(rnd: random.Random) -> GeoPoint:
    return GeoPoint(rnd.uniform(30.0, 47.0), rnd.uniform(-122.0, -72.0))  # roughly the contiguous US


def generate(args: argparse.Namespace) -> Backlog:
    rnd = random.Random(args.seed)
    skus = [f"SKU-{n:05d}" for n in range(args.skus)]
    popularity = [1 / (rank + 1) ** 0.8 for rank in range(args.skus)]  # Zipf-like skew
    orders = []
    demand: dict[str, int] = {}
    for n in range(args.orders):
        count = rnd.choices([1, 2, 3], weights=[60, 30, 10])[0]
        chosen = list(dict.fromkeys(rnd.choices(skus, weights=popularity, k=count)))
        lines = tuple(BacklogLine(i, sku, rnd.randint(1, 3)) for i, sku in enumerate(chosen, start=1))
        for line in lines:
            demand[line.sku] = demand.get(line.sku, 0) + line.quantity
        priority = rnd.choices([1, 2, 3], weights=[80, 15, 5])[0]
        orders.append(BacklogOrder(f"ORD-{n:06d}", lines, _point(rnd), priority, rnd.uniform(0, 240)))
    return Backlog(tuple(orders), _locations(rnd, args, demand))


def _locations(rnd: random.Random, args: argparse.Namespace, demand: dict[str, int]) -> tuple[StockLocation, ...]:
    ids = [f"WH-{n:02d}" for n in range(args.locations)]
    stock: dict[str, dict[str, int]] = {loc: {} for loc in ids}
    for sku, wanted in demand.items():
        total = round(wanted * args.scarcity * rnd.uniform(0.6, 1.4))
        holders = rnd.sample(ids, rnd.randint(2, min(6, len(ids))))
        for _ in range(total):
            where = rnd.choice(holders)
            stock[where][sku] = stock[where].get(sku, 0) + 1
    return tuple(StockLocation(loc, _point(rnd), stock[loc]) for loc in ids)


def _row(plan: BacklogPlan) -> str:
    return (
        f"{plan.solver:<8} {plan.units_filled:>8,} {plan.weighted_fill:>10,} {plan.cost_cents / 100:>13,.2f} "
        f"{plan.splits:>7,} {plan.orders_filled:>8,} {plan.solve_seconds:>8.2f}  {plan.status}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--skus", type=int, default=2_000)
    parser.add_argument("--locations", type=int, default=20)
    parser.add_argument("--scarcity", type=float, default=0.5, help="stock as a share of demand")
    parser.add_argument(
        "--time-limit", type=float, default=8.0, help="CP-SAT budget, building included (room left for overrun)"
    )
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (2 cores here)")
    parser.add_argument("--candidates", type=int, default=2, help="nearest locations per line given to CP-SAT")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    backlog = generate(args)
    units, stocked = backlog.units_wanted, backlog.units_in_stock
    print(f"backlog: {len(backlog.orders):,} orders, {units:,} units wanted, {stocked:,} units in stock")
    base = greedy(backlog)
    best = optimise(
        backlog,
        base,
        SolverSettings(time_limit_s=args.time_limit, num_workers=args.workers, candidates_per_line=args.candidates),
    )
    print(
        f"{'solver':<8} {'units':>8} {'weighted':>10} {'cost $':>13} {'splits':>7} {'orders':>8} {'seconds':>8}  status"
    )
    print(_row(base))
    print(_row(best))
    better = best.weighted_fill > base.weighted_fill or (
        best.weighted_fill == base.weighted_fill and best.cost_cents < base.cost_cents
    )
    fast = best.solve_seconds < TARGET_SECONDS
    print(f"target: CP-SAT under {TARGET_SECONDS:.0f} s ({best.solve_seconds:.2f} s): {'PASS' if fast else 'FAIL'}")
    print(f"target: CP-SAT strictly better fill, or equal fill and lower cost: {'PASS' if better else 'FAIL'}")
    problems = violations(backlog, base.allocations) + violations(backlog, best.allocations)
    for problem in problems[:20]:
        print(f"RULE BROKEN: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
