"""Whole-backlog allocation with OR-Tools CP-SAT, lexicographic in two solves.

Same rules as the greedy baseline (``overture.domain.backlog.model``): an order is filled whole
or not at all; each line ships whole from one location. Each line is pruned to its
``candidates_per_line`` nearest locations holding enough of the SKU, plus wherever the greedy
plan put it, so the greedy plan is always a feasible answer of both solves.

Solve 1, fill. Variables ``z[o,l,k]`` (bool: line ``l`` of order ``o`` ships from ``k``) and, for
orders of several lines, ``y[o]`` (bool: filled). A one-line order takes
``at_most_one(z[o,1,*])`` and is filled when one ``z`` is; a longer one takes
``sum_k z[o,l,k] == y[o]`` for each line. Every (location, SKU) that demand could overdraw takes
``sum quantity(l) * z[o,l,k] <= stock``. Every location with a daily capacity that more orders could
use than it has left takes ``sum_o uses(o,k) <= capacity_left(k)``, where ``uses(o,k)`` is the one
``z`` when a single line of ``o`` may ship from ``k``, else a bool ``u[o,k]`` with ``z[o,l,k] => u[o,k]``
(an order is one of the day's orders at each location it ships from, whatever its lines). A location
with no capacity left is no line's candidate. Maximise ``sum weight(o) * units(o) * filled(o)``.

Solve 2, cost: the orders solve 1 filled (the hint's orders instead, if solve 1 found no more
fill than the hint: then cost can only fall), and only those, must stay filled
(``sum_k z[o,l,k] == 1``), with the same stock constraints, plus ``u[o,k]`` (bool: a parcel
from ``k``, orders of several lines only) and ``z[o,l,k] => u[o,k]``, and the same capacity constraints
(on those ``u``). Minimise ``sum quantity * unit_cost(o,k) * z +
split_penalty * (sum u - 1)``.

Why two solves rather than one weighted sum: a fill weight large enough to outweigh any total
cost gives coefficients near 1e12 on 10,000 orders, which blunts CP-SAT's LP bounds. Why the
second solve keeps solve 1's *set* of orders rather than only its fill value (``fill >= v``):
with the value alone the second model is the whole first model plus parcels, and on 10,000
orders its presolve alone takes most of a 10 s budget on two cores; keeping the set halves the
model. The price: a different set of equal fill and lower cost is not looked for.

Each solve starts from a complete, feasible hint (greedy's plan, then solve 1's answer), so a
time limit costs optimality, never feasibility; if a solve returns nothing in time, its hint is
kept and the status says so.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from overture.domain.backlog import Backlog, BacklogLine, BacklogPlan, summarise
from overture.domain.routing import Allocation

Key = tuple[int, int, str]  # (order index, line no, location id)
Solution = dict[Key, int]
Terms = list[tuple[cp_model.IntVar, int]]
Candidates = dict[int, list[tuple[BacklogLine, list[str]]]]  # order index -> each line's locations


@dataclass(frozen=True, slots=True)
class SolverSettings:
    time_limit_s: float = 10.0  # for the whole optimise call: model building and both solves
    num_workers: int = 2  # one per core of a small machine; 1 with a seed makes a run reproducible
    # Nearest locations per line (plus the hint's). Fewer makes a smaller model that the search
    # improves more within the limit: on the 10,000-order bench, 2 filled more than 3 or 4.
    candidates_per_line: int = 2
    random_seed: int = 0
    fill_share: float = 0.6  # of the time left after building, given to the fill solve
    # CP-SAT's deterministic time for each solve. A wall-clock limit stops the search wherever a
    # busy machine has got it; this one stops it after the same work, so with one worker and a
    # seed the same backlog always gives the same plan (while the wall limit still holds).
    work_limit: float | None = None


@dataclass(slots=True)
class _Model:
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    z: dict[Key, cp_model.IntVar] = field(default_factory=dict)
    y: dict[int, cp_model.IntVar] = field(default_factory=dict)
    u: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    objective: Terms = field(default_factory=list)
    stock_use: dict[tuple[str, str], Terms] = field(default_factory=dict)
    # By location, then order: the z variables of the order's lines that may ship from there.
    at_location: dict[str, dict[int, list[cp_model.IntVar]]] = field(default_factory=dict)


def optimise(backlog: Backlog, hint: BacklogPlan, settings: SolverSettings | None = None) -> BacklogPlan:
    """Allocate the whole backlog at once; ``hint`` is a feasible plan to start from (greedy's)."""
    settings = settings or SolverSettings()
    started = time.perf_counter()
    deadline = started + settings.time_limit_s
    candidates = _candidates(backlog, hint.allocations, settings.candidates_per_line)
    fill = _fill_model(backlog, candidates)
    # Budgets are set after each model is built, so that building counts against the limit.
    fill_budget = (deadline - time.perf_counter()) * settings.fill_share
    start = _hint_values(backlog, hint.allocations)
    fill_status, first = _solve(fill, start, fill_budget, settings)
    if _fill_value(backlog, first) <= hint.weighted_fill:
        # No more fill than the hint: keep the hint's orders, whose cost the second solve can only
        # lower, rather than another set of equal fill that might cost more.
        first = start
    cost = _cost_model(backlog, {o: candidates[o] for o in sorted({o for o, _, _ in first})})
    cost_status, best = _solve(cost, first, deadline - time.perf_counter(), settings)
    status = f"fill {fill_status}, cost {cost_status}"
    plan = _allocations(backlog, best)
    return summarise(backlog, plan, solver="cp-sat", status=status, solve_seconds=time.perf_counter() - started)


def _candidates(backlog: Backlog, hint: Mapping[str, tuple[Allocation, ...]], k: int) -> Candidates:
    """Each line's nearest ``k`` locations able to ship it whole, plus the hint's; orders with a
    line that has none are left out (they cannot be filled)."""
    stock = {loc.id: loc.stock for loc in backlog.locations}
    open_now = {loc.id for loc in backlog.locations if loc.takes_orders()}
    out: Candidates = {}
    for o, order in enumerate(backlog.orders):
        ranked = [loc for loc in backlog.ranked_locations(order) if loc in open_now]
        used = {(a.line_no, a.location_id) for a in hint.get(order.id, ())}
        lines = []
        for line in order.lines:
            able = [loc for loc in ranked if stock[loc].get(line.sku, 0) >= line.quantity][:k]
            lines.append((line, list(dict.fromkeys([*able, *sorted(c for n, c in used if n == line.line_no)]))))
        if all(cands for _, cands in lines):
            out[o] = lines
    return out


def _sum(terms: Terms) -> cp_model.LinearExprT:
    return cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms])


def _line_vars(built: _Model, o: int, line: BacklogLine, cands: list[str]) -> list[tuple[cp_model.IntVar, str]]:
    chosen = []
    for loc in cands:
        z = built.z[o, line.line_no, loc] = built.model.new_bool_var(f"z{o}_{line.line_no}_{loc}")
        built.stock_use.setdefault((loc, line.sku), []).append((z, line.quantity))
        built.at_location.setdefault(loc, {}).setdefault(o, []).append(z)
        chosen.append((z, loc))
    return chosen


def _add_stock(built: _Model, backlog: Backlog) -> None:
    stock = {loc.id: loc.stock for loc in backlog.locations}
    for (loc, sku), terms in built.stock_use.items():
        if sum(q for _, q in terms) > stock[loc][sku]:  # otherwise it can never bind
            built.model.add(_sum(terms) <= stock[loc][sku])


def _add_capacity(built: _Model, backlog: Backlog) -> None:
    """At most ``capacity_left`` orders from each capped location (see the module docstring)."""
    for loc in backlog.locations:
        users = built.at_location.get(loc.id, {})
        if loc.capacity_left is None or len(users) <= loc.capacity_left:
            continue  # no limit, or too few orders could use it for one to bind
        uses = [zs[0] if len(zs) == 1 else _order_uses(built, o, loc.id, zs) for o, zs in users.items()]
        built.model.add(cp_model.LinearExpr.sum(uses) <= loc.capacity_left)


def _order_uses(built: _Model, o: int, loc: str, zs: list[cp_model.IntVar]) -> cp_model.IntVar:
    """``u[o,loc]``, implied by every line shipping from ``loc``: the cost model's parcel, which its lines
    imply already, if it has one."""
    u = built.u.get((o, loc))
    if u is None:
        u = built.u[o, loc] = built.model.new_bool_var(f"u{o}_{loc}")
        for z in zs:
            built.model.add_implication(z, u)
    return u


def _fill_model(backlog: Backlog, candidates: Candidates) -> _Model:
    built = _Model()
    m = built.model
    for o, lines in candidates.items():
        order = backlog.orders[o]
        value = order.weight * order.units
        per_line = [[z for z, _ in _line_vars(built, o, line, cands)] for line, cands in lines]
        if len(per_line) == 1:
            m.add_at_most_one(per_line[0])
            built.objective.extend((z, value) for z in per_line[0])
            continue
        y = built.y[o] = m.new_bool_var(f"y{o}")
        built.objective.append((y, value))
        for zs in per_line:
            m.add(cp_model.LinearExpr.sum(zs) == y)
    _add_stock(built, backlog)
    _add_capacity(built, backlog)
    m.maximize(_sum(built.objective))
    return built


def _cost_model(backlog: Backlog, candidates: Candidates) -> _Model:
    built = _Model()
    m, penalty = built.model, backlog.costs.split_penalty_cents
    for o, lines in candidates.items():
        unit_costs = backlog.unit_costs(backlog.orders[o])
        for line, cands in lines:
            chosen = _line_vars(built, o, line, cands)
            m.add_exactly_one([z for z, _ in chosen])
            built.objective.extend((z, line.quantity * unit_costs[loc]) for z, loc in chosen)
            if len(lines) > 1:
                for z, loc in chosen:
                    m.add_implication(z, _parcel(built, o, loc, penalty))
    _add_stock(built, backlog)
    _add_capacity(built, backlog)
    # The objective leaves out the constant "- one parcel per order" of the split penalty.
    m.minimize(_sum(built.objective))
    return built


def _parcel(built: _Model, o: int, loc: str, penalty: int) -> cp_model.IntVar:
    u = built.u.get((o, loc))
    if u is None:
        u = built.u[o, loc] = built.model.new_bool_var(f"u{o}_{loc}")
        built.objective.append((u, penalty))
    return u


def _hint_values(backlog: Backlog, hint: Mapping[str, tuple[Allocation, ...]]) -> Solution:
    """The chosen (order, line, location) triples of a plan: its z variables set to 1."""
    index = {order.id: o for o, order in enumerate(backlog.orders)}
    return {(index[order_id], a.line_no, a.location_id): 1 for order_id, chosen in hint.items() for a in chosen}


def _fill_value(backlog: Backlog, solution: Solution) -> int:
    filled = {o for o, _, _ in solution}
    return sum(backlog.orders[o].weight * backlog.orders[o].units for o in filled)


def _solve(built: _Model, start: Collection[Key], budget_s: float, settings: SolverSettings) -> tuple[str, Solution]:
    """Solve from a complete hint; keep the hint if the solver returns no solution in time."""
    m = built.model
    filled = {o for o, _, _ in start}
    parcels = {(o, loc) for o, _, loc in start}
    for key, var in built.z.items():
        m.add_hint(var, key in start)
    for o, var in built.y.items():
        m.add_hint(var, o in filled)
    for parcel, var in built.u.items():
        m.add_hint(var, parcel in parcels)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, budget_s)
    solver.parameters.num_workers = settings.num_workers
    solver.parameters.random_seed = settings.random_seed
    if settings.work_limit is not None:
        solver.parameters.max_deterministic_time = settings.work_limit
    # Lighter presolve: on 10,000 orders the default one takes seconds of a 10 s budget for
    # little (probing and symmetry find almost nothing in this model).
    solver.parameters.symmetry_level = 0
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.max_presolve_iterations = 1
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return f"{solver.status_name(status)} (hint kept)", dict.fromkeys(start, 1)
    return solver.status_name(status), {key: 1 for key, var in built.z.items() if solver.boolean_value(var)}


def _allocations(backlog: Backlog, solution: Solution) -> dict[str, tuple[Allocation, ...]]:
    plan: dict[str, list[Allocation]] = {}
    for o, line_no, loc in sorted(solution):
        order = backlog.orders[o]
        line = next(ln for ln in order.lines if ln.line_no == line_no)
        plan.setdefault(order.id, []).append(Allocation(line_no, line.sku, loc, line.quantity))
    return {order_id: tuple(chosen) for order_id, chosen in plan.items()}
