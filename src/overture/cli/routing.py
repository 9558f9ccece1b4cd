"""``overture route``: how an order was routed (explain) and what another strategy would have done (simulate)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from overture.cli.common import DatabaseOption, HomeOption, console, open_store

app = typer.Typer(help="Routing: how orders were sourced.", no_args_is_help=True)
_COST_COLUMNS = ("shipping", "handling", "split_penalty", "priority", "total")
_SIMULATION_COLUMNS = ("orders", "unrouted", "cost", "per order", "shipments", "split orders", "km", "on time %")


@app.command("explain")
def route_explain(
    order_id: Annotated[str, typer.Argument(help="The order's id")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Print how an order was routed, as GET /v1/orders/{id}/routing: the strategy, every candidate (location
    or combination) with its cost components, and every rejected one with the constraint that ruled it out."""
    from overture.services.errors import NotFound
    from overture.services.sourcing import routing_decisions

    container = open_store(home, database_url)
    try:
        decisions = routing_decisions(container.uow, order_id)
    except NotFound as missing:
        typer.echo(str(missing), err=True)
        raise typer.Exit(1) from None
    finally:
        container.close()
    if not decisions:
        typer.echo(f"order {order_id} has no routing decision yet")
    for decision in decisions:
        console.print(_routing_table(order_id, decision))


def _routing_table(order_id: str, decision: dict[str, Any]) -> Table:
    table = Table(
        title=escape(f"{order_id}: {decision['strategy']} strategy, {decision['outcome']}"),
        caption=escape(decision["reason"]),
        box=box.SIMPLE_HEAD,  # no inner rules: more of 80 columns for the cells
    )
    # Candidates that met every constraint first (chosen, then outranked), then those ruled out.
    candidates = list(decision["candidates"]) + [c for c in decision["rejected"] if c.get("components") is None]
    rows = [_routing_row(c) for c in sorted(candidates, key=lambda c: c["outcome"] != "chosen")]
    headers = ("locations", "outcome", "constraint", "km", "ship", "handling", "split", "priority", "total")
    return _folded(table, (*headers, "reason"), rows, figures=range(3, len(headers)))


def _routing_row(candidate: dict[str, Any]) -> list[str]:
    costs = candidate.get("components") or {}
    distance = candidate.get("distance_km")
    return [
        " + ".join(candidate["locations"]),
        candidate["outcome"],
        candidate.get("constraint") or "",
        "" if distance is None else f"{distance:,.0f}",
        *(f"{costs[c]:.2f}" if c in costs else "" for c in _COST_COLUMNS),
        candidate["reason"],
    ]


@app.command("simulate")
def route_simulate(
    strategy: Annotated[str, typer.Option(help="cost, nearest, fewest_splits or priority_list")],
    since: Annotated[
        str, typer.Option(help="Routing decisions made at or after this ISO 8601 date (UTC if no offset)")
    ],
    until: Annotated[str | None, typer.Option(help="... and before this one (default: now)")] = None,
    examples: Annotated[int, typer.Option(min=0, help="How many of the orders that differ most to show")] = 5,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Re-run a strategy over the orders routed since a date, against the stock each saw, and compare it with
    what was chosen: cost, shipments, split orders, km, on-time promise, and the orders that differ most."""
    from overture.services.errors import InvalidRequest
    from overture.services.simulation import parse_moment, simulate, strategy_named

    try:
        name = strategy_named(strategy)
        start, end = parse_moment("since", since), None if until is None else parse_moment("until", until)
    except InvalidRequest as bad:
        raise typer.BadParameter(bad.error.reason, param_hint=f"--{bad.error.field}") from None
    container = open_store(home, database_url)
    try:
        report = simulate(container.uow, name, since=start, until=end, examples=examples)
    except InvalidRequest as bad:
        raise typer.BadParameter(bad.error.reason, param_hint=f"--{bad.error.field}") from None
    finally:
        container.close()
    figures = report.as_dict()
    console.print(_simulation_table(figures))
    for reason, count in figures["skipped"].items():
        console.print(f"skipped {count:,} routing(s): {escape(reason)}")
    if figures["examples"]:
        console.print(_differences_table(figures["examples"]))


def _simulation_table(report: dict[str, Any]) -> Table:
    until = report["until"] or "now"
    title = f"{report['strategy']} strategy over routings from {report['since']} to {until}"
    rows = [
        [side, *_totals_row(report[side]), f"{report['differing_orders']:,}" if side == "simulated" else ""]
        for side in ("actual", "simulated")
    ]
    return _folded(Table(title=escape(title)), ("", *_SIMULATION_COLUMNS, "days", "differing"), rows)


def _folded(table: Table, headers: tuple[str, ...], rows: list[list[str]], *, figures: range | None = None) -> Table:
    """Every cell wraps at spaces, and a word longer than its column folds onto the next line: in a narrow
    terminal (80 columns) the table grows taller, but no figure, id or reason is cut off at the edge."""
    figures = range(1, len(headers)) if figures is None else figures  # right-aligned; the rest left
    for n, header in enumerate(headers):
        table.add_column(header, justify="right" if n in figures else "left", overflow="fold")
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    return table


def _totals_row(t: dict[str, Any]) -> list[str]:
    """One side's figures; n/a where there is nothing to average (no routed order, no promise date)."""

    def optional(value: float | None, spec: str) -> str:
        return "n/a" if value is None else format(value, spec)

    rate = None if t["on_time_rate"] is None else 100 * t["on_time_rate"]
    return [
        *(f"{t[k]:,}" for k in ("orders", "unrouted")),
        f"{t['cost']:,.2f}",
        optional(t["cost_per_order"], ",.2f"),
        *(f"{t[k]:,}" for k in ("shipments", "split_orders")),
        f"{t['distance_km']:,.0f}",
        optional(rate, ".1f"),
        optional(t["mean_days_to_arrive"], ".2f"),
    ]


def _differences_table(examples: list[dict[str, Any]]) -> Table:
    rows = []
    for e in examples:
        change = "" if e["cost_delta"] is None else f"{e['cost_delta']:+.2f}"
        rows.append([e["order_id"], *_plan_cells(e["actual"]), *_plan_cells(e["simulated"]), change])
    headers = ("order", "actual", "cost", "km", "simulated", "cost", "km", "cost change")
    return _folded(Table(title="Orders that differ most"), headers, rows)


def _plan_cells(plan: dict[str, Any] | None) -> tuple[str, str, str]:
    if plan is None:
        return ("not routed", "", "")
    km = "" if plan["distance_km"] is None else f"{plan['distance_km']:,.0f}"
    return (" + ".join(plan["locations"]), f"{plan['cost']:.2f}", km)
