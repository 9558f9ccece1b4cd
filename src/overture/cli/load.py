"""``overture load``: an open-loop load against a hub (loopback by default), with a live display and a report."""

from __future__ import annotations

import asyncio
import json
import os
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.live import Live
from rich.table import Table

from overture.cli.common import QuietOption, console, err_console, settings_for

if TYPE_CHECKING:
    from overture.load.runner import LoadRun

KEY_VARIABLE = "OVERTURE_LOAD_KEY"


def _display(run: LoadRun) -> Table:
    from overture.load.report import ms, nearest_rank

    live, recent = run.live, run.live.recent
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("elapsed", f"{run.now_s():,.1f} s")
    table.add_row("orders due / sent", f"{live.due:,} / {live.sent:,}  ({live.in_flight:,} in flight)")
    table.add_row("placed / errors", f"[green]{live.placed:,}[/] / [red]{live.errors:,}[/]")
    table.add_row("capture (recent)", f"p50 {ms(nearest_rank(recent, 50))}  p95 {ms(nearest_rank(recent, 95))}")
    settled = len(run.tracker.settled)
    table.add_row("followed", f"{run.tracker.shipped:,} shipped, {settled:,} settled, {run.tracker.pending:,} pending")
    return table


def load(
    rate: Annotated[float, typer.Option(min=0.01, help="Orders a second, offered on a fixed schedule")] = 10.0,
    duration: Annotated[float, typer.Option(min=0.1, help="Seconds of sending")] = 30.0,
    mix: Annotated[Path | None, typer.Option(help="Mix file (.toml or .json); default: the built-in mix")] = None,
    url: Annotated[
        str | None, typer.Option(help="The hub to load (default: this machine's, from the settings)")
    ] = None,
    key: Annotated[str | None, typer.Option(help=f"API key (default ${KEY_VARIABLE})", show_default=False)] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight at most")] = 64,
    drain: Annotated[float, typer.Option(min=0, help="Seconds to wait for orders to settle after sending")] = 60.0,
    poll_rate: Annotated[float, typer.Option(min=0, help="Order reads a second to follow them (0: do not)")] = 20.0,
    seed: Annotated[bool, typer.Option("--seed/--no-seed", help="Create warehouses, catalogue and stock first")] = True,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report (charts) here")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON on stdout")] = False,
    quiet: QuietOption = False,
) -> None:
    """Send orders at --rate for --duration (open loop: a slow hub shows as latency, not as fewer
    orders), with cancels, edits and returns as the mix says; then report throughput, capture latency
    p50/p95/p99, end-to-end time to shipped, errors and exceptions by type."""
    from overture.load.chart import write_html
    from overture.load.drive import run_load
    from overture.load.mix import MixError, load_mix
    from overture.load.report import lines, summarise
    from overture.load.runner import LoadOptions

    try:
        chosen = load_mix(mix)
    except MixError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    target = url or settings_for(None, None).hub_url()
    options = LoadOptions(rate=rate, duration_s=duration, concurrency=concurrency, drain_s=drain, poll_rate=poll_rate)
    typer.echo(f"load: {rate:g} orders/s for {duration:g} s against {target}", err=True)
    shown = Live(console=err_console, transient=True, refresh_per_second=4, auto_refresh=False)
    enabled = not quiet and err_console.is_terminal

    def tick(run: LoadRun) -> None:
        if enabled:
            shown.update(_display(run), refresh=True)

    with ExitStack() as stack:
        if enabled:
            stack.enter_context(shown)
        result = asyncio.run(
            run_load(target, key or os.environ.get(KEY_VARIABLE), chosen, options, seed=seed, on_tick=tick)
        )
    summary = summarise(result)
    if report is not None:
        write_html(summary, report)
        typer.echo(f"report: {report}", err=True)
    if as_json:
        console.print_json(json.dumps(asdict(summary), default=str))
    else:
        for line in lines(summary):
            console.print(line, markup=False, highlight=False)
