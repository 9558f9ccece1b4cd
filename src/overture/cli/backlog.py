"""``overture backlog plan``: the orders on hold for want of stock, planned greedy and with CP-SAT."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from overture.cli.common import DatabaseOption, HomeOption, QuietOption, console, open_store, progress

app = typer.Typer(help="The backlog: orders on hold for want of stock.", no_args_is_help=True)


@app.command("plan")
def backlog_plan(
    time_limit: Annotated[float, typer.Option(min=0.1, help="Seconds for CP-SAT, model building included")] = 10.0,
    workers: Annotated[int, typer.Option(min=1, help="CP-SAT workers (one per core)")] = 2,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
    quiet: QuietOption = False,
) -> None:
    """Plan the orders on hold for insufficient stock against the stock available now: greedy
    (order by order, as capture would) beside CP-SAT (the whole backlog at once). Plans only:
    nothing is reserved and no order moves. To place the orders as planned, through their
    workflows, ask the running hub: POST /v1/backlog/plan {"apply": true} (an operator key). CP-SAT may
    take the whole time limit: stderr shows it working (not with --quiet, nor when not a terminal)."""
    from overture.services.backlog import reallocate_backlog

    container = open_store(home, database_url)
    try:
        with progress(quiet=quiet) as bar:
            bar.add_task("reading the orders on hold", total=None)
            on_hold = list(container.views.open_exceptions_by_order("insufficient_stock"))
            bar.update(
                bar.task_ids[0],
                description=f"planning {len(on_hold)} order(s): greedy, then CP-SAT (up to {time_limit:g} s)",
            )
            result = reallocate_backlog(
                container.uow,
                on_hold,
                geocoder=container.geocoder,
                clock=container.clock,
                time_limit_s=time_limit,
                num_workers=workers,
            )
    finally:
        container.close()
    backlog = result.backlog
    wanted, stocked = backlog.units_wanted, backlog.units_in_stock
    console.print(f"{len(backlog.orders)} order(s) on hold, {wanted} unit(s) wanted, {stocked} in stock")
    console.print(_backlog_table(result.greedy, result.optimised))


def _backlog_table(*plans: Any) -> Table:
    table = Table("", *(plan.solver for plan in plans))
    table.add_row("orders filled", *(f"{p.orders_filled:,}" for p in plans))
    table.add_row("units filled", *(f"{p.units_filled:,}" for p in plans))
    table.add_row("weighted fill", *(f"{p.weighted_fill:,}" for p in plans))
    table.add_row("cost", *(f"{p.cost_cents / 100:,.2f}" for p in plans))
    table.add_row("splits", *(f"{p.splits:,}" for p in plans))
    table.add_row("seconds", *(f"{p.solve_seconds:.2f}" for p in plans))
    table.add_row("status", *(escape(p.status) for p in plans))
    return table
