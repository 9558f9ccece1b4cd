"""Command line: ``overture serve``, ``overture db upgrade``, ``overture demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from overture.bootstrap import bootstrap
from overture.config import Settings

app = typer.Typer(help="Overture: the order orchestration hub.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
edi_app = typer.Typer(help="EDI X12: inspect files, watch a drop folder.", no_args_is_help=True)
app.add_typer(edi_app, name="edi")
console = Console()

HomeOption = Annotated[Path | None, typer.Option(help="Folder for the embedded store (default ./.overture)")]
DatabaseOption = Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: SQLite file under --home)")]


def _settings(home: Path | None, database_url: str | None, **overrides: object) -> Settings:
    values: dict[str, object] = {k: v for k, v in overrides.items() if v is not None}
    if home is not None:
        values["home"] = home
    if database_url is not None:
        values["database_url"] = database_url
    return Settings(**values)  # type: ignore[arg-type]


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000)")] = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Run the whole hub: API (OpenAPI at /docs), order worker, outbox dispatcher and, unless
    OVERTURE_TEMPORAL_ADDRESS is set, an embedded Temporal dev server; WMS/ERP simulators stand in
    for the systems whose URLs are not configured."""
    from overture.runtime import serve_hub

    settings = _settings(home, database_url, host=host, port=port)
    container = bootstrap(settings)
    console.print(f"Overture on {settings.hub_url()}  (store: {settings.resolved_database_url()})")
    _advise_on_keys(settings, container)
    serve_hub(settings, container)


def _advise_on_keys(settings: Settings, container: Any) -> None:
    from overture.services.access import has_active_admin

    if settings.auth == "off":
        console.print("[yellow]Auth is off (OVERTURE_AUTH=off): anyone who can reach this port is admin[/]")
    elif not has_active_admin(container.uow):
        console.print("No admin key yet: make one with [bold]overture keys create --role admin[/] (same --home)")


@app.command()
def api(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000)")] = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Run only the API, against OVERTURE_TEMPORAL_ADDRESS (scale-out: several API processes)."""
    from overture.runtime import run_api

    settings = _settings(home, database_url, host=host, port=port)
    run_api(settings, bootstrap(settings))


@app.command()
def worker(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Run only the order worker and outbox dispatcher, against OVERTURE_TEMPORAL_ADDRESS (scale-out)."""
    from overture.runtime import run_worker

    settings = _settings(home, database_url)
    run_worker(settings, bootstrap(settings))


keys_app = typer.Typer(help="API keys: make, list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="viewer, operator, admin, or channel")],
    channel: Annotated[str | None, typer.Option(help="For a channel key: the channel it may post for")] = None,
    name: Annotated[str | None, typer.Option(help="Who or what uses it (recorded as the actor)")] = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Make an API key and print it. It is shown this once: the store keeps only a hash."""
    from overture.domain.access import InvalidKeyRequest, parse_role
    from overture.services.access import create_key
    from overture.services.errors import InvalidRequest

    try:
        parsed = parse_role(role)
    except InvalidKeyRequest as error:
        raise typer.BadParameter(error.reason, param_hint="--role") from None
    container = bootstrap(_settings(home, database_url))
    try:
        made = create_key(container.uow, container.clock, role=parsed, name=name, channel=channel)
    except InvalidRequest as error:
        raise typer.BadParameter(error.error.reason, param_hint=f"--{error.error.field}") from None
    finally:
        container.close()
    typer.echo(
        f"{made.key.id} ({made.key.role.value}{', ' + made.key.channel if made.key.channel else ''}) "
        f"named {made.key.name!r}; keep this key, it is not shown again:"
    )
    typer.echo(made.token)


@keys_app.command("list")
def keys_list(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Every key: id, name, role, channel, dates. Never a secret."""
    from overture.services.access import list_keys

    container = bootstrap(_settings(home, database_url))
    try:
        keys = list_keys(container.uow)
    finally:
        container.close()
    # One tab-separated line per key (a table would cut ids in a narrow terminal; this also pipes well).
    typer.echo("\t".join(("id", "name", "role", "channel", "starts with", "created", "last used", "revoked")))
    for key in keys:
        stamps = [
            d.isoformat(timespec="seconds") if d else "-" for d in (key.created_at, key.last_used_at, key.revoked_at)
        ]
        typer.echo(
            "\t".join((key.id, key.name, key.role.value, key.channel or "-", f"ovt_{key.id}_{key.prefix}", *stamps))
        )


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (key_...)")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Revoke a key at once: its requests and dashboard sessions get 401 from now on."""
    from overture.services.access import revoke_key
    from overture.services.errors import NotFound

    container = bootstrap(_settings(home, database_url))
    try:
        key = revoke_key(container.uow, container.clock, key_id)
    except NotFound as missing:
        typer.echo(str(missing), err=True)
        raise typer.Exit(1) from None
    finally:
        container.close()
    typer.echo(f"{key.id} ({key.name}) revoked")


@db_app.command("upgrade")
def db_upgrade(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Apply every pending migration."""
    from overture.store.migrate import upgrade

    settings = _settings(home, database_url)
    upgrade(settings.resolved_database_url())
    console.print(f"[green]Database at head[/]: {settings.resolved_database_url()}")


@app.command()
def demo(
    orders: Annotated[int, typer.Option(min=1, help="How many orders to place")] = 400,
    skus: Annotated[int, typer.Option(min=1, help="How many SKUs to seed")] = 10_000,
    clients: Annotated[int, typer.Option(min=1, help="Concurrent API clients")] = 8,
    port: Annotated[int, typer.Option(help="Port for the hub (0 = any free port)")] = 8000,
    keep_serving: Annotated[bool, typer.Option("--serve/--exit", help="Keep the hub running after the summary")] = True,
    seed: Annotated[int, typer.Option(help="Random seed for the sample data")] = 7,
    home: HomeOption = None,
) -> None:
    """Run the whole hub (engine, simulators, worker, API) on a fresh demo store, seed it, place realistic
    orders through the API, break the ERP and WMS for a while and resolve the exceptions as an operator
    would, then summarise: orders by status, exceptions by type and resolution, side effects checked."""
    from overture.demo import DemoOptions, run_demo

    settings = _settings(home, None)
    run_demo(
        settings,
        DemoOptions(orders=orders, skus=skus, clients=clients, port=port, keep_serving=keep_serving, seed=seed),
        console=console,
    )


@edi_app.command("inspect")
def edi_inspect(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="An X12 file")]) -> None:
    """Print, as JSON, each interchange, group and transaction set with its problems, and for an 850
    the canonical order it becomes. Exit code 0 when the file is valid, 1 otherwise."""
    import orjson

    from overture.channels.x12.inspect import inspect

    report, valid = inspect(path.read_bytes())
    typer.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
    raise typer.Exit(0 if valid else 1)


@edi_app.command("watch")
def edi_watch(
    folder: Annotated[Path, typer.Argument(file_okay=False, help="The drop folder partners' files arrive in")],
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between passes")] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit")] = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Process X12 files dropped in FOLDER: each is kept, acknowledged (997, 855 to FOLDER/outbound) and its
    850s captured, then moved to FOLDER/processed; what cannot be processed goes to FOLDER/failed with why."""
    import logging

    from overture.api.routers.edi import edi_sender
    from overture.channels.x12.dropfolder import watch

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = _settings(home, database_url)
    container = bootstrap(settings)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        watch(
            folder,
            uow_factory=container.uow,
            geocoder=container.geocoder,
            clock=container.clock,
            sender=edi_sender(settings),
            interval_s=interval,
            passes=1 if once else None,
        )
    finally:
        container.close()


amazon_app = typer.Typer(help="Amazon Selling Partner API: pull orders.", no_args_is_help=True)
app.add_typer(amazon_app, name="amazon")


@amazon_app.command("pull")
def amazon_pull(
    since: Annotated[str, typer.Option(help="Import orders created at or after this ISO 8601 date (UTC if no offset)")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import the Amazon orders created since a date: seller-fulfilled and Unshipped ones; Pending ones wait for a
    later pull, Canceled, shipped and Amazon-fulfilled ones are skipped. Pulling again imports nothing twice.
    Uses OVERTURE_AMAZON_SP_API_URL, OVERTURE_AMAZON_ACCESS_TOKEN and OVERTURE_AMAZON_MARKETPLACE_IDS."""
    import asyncio
    from datetime import UTC, datetime

    from overture.connectors.amazon import AmazonOrdersConnector
    from overture.connectors.http import ConnectorConfig
    from overture.observability.health import HealthFlusher
    from overture.services.marketplace_pull import PullReport
    from overture.workflows.amazon_pull import pull_amazon_orders

    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        raise typer.BadParameter(f"{since!r} is not an ISO 8601 date", param_hint="--since") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    settings = _settings(home, database_url)
    url, token = settings.amazon_sp_api_url, settings.amazon_access_token
    if not url or not token:
        console.print(
            "[red]Set OVERTURE_AMAZON_SP_API_URL and OVERTURE_AMAZON_ACCESS_TOKEN[/] "
            "(to try it: python -m overture.simulators amazon --port 9300)"
        )
        raise typer.Exit(2)
    container = bootstrap(settings)

    async def pull() -> PullReport:
        config = ConnectorConfig("amazon", url, timeout_s=30.0)
        async with AmazonOrdersConnector(config, access_token=token) as connector:
            return await pull_amazon_orders(
                connector,
                since=moment,
                marketplace_ids=settings.amazon_marketplace_ids,
                uow_factory=container.uow,
                geocoder=container.geocoder,
                clock=container.clock,
            )

    try:
        # The pull's calls to Amazon reach the dashboard's connector health (flushed on the way out).
        with HealthFlusher(container.engine, clock=container.clock):
            report = asyncio.run(pull())
    finally:
        container.close()
    for line in report.summary():
        console.print(line, highlight=False, markup=False)
    raise typer.Exit(1 if report.stopped_by else 0)


import_app = typer.Typer(help="Import order files from trading partners.", no_args_is_help=True)
app.add_typer(import_app, name="import")


@import_app.command("csv")
def import_csv_file(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A CSV order file")],
    partner: Annotated[str, typer.Option(help="The trading partner who sent it; its CSV profile reads the file")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import a partner's CSV order file into the configured store, as POST /v1/channels/csv does: the file
    is kept, good orders are captured, every bad row is listed with its row, column and reason. Exit code 0
    when every row is in an order (made now or by an earlier import), 1 otherwise."""
    from overture.channels.csv_import import import_csv
    from overture.services.errors import PayloadRejected
    from overture.services.ports import InboundMessage
    from overture.store.csv_profiles import csv_profiles

    container = bootstrap(_settings(home, database_url))
    message = InboundMessage("csv", path.read_bytes(), container.clock(), "text/csv", {"x-csv-filename": path.name})
    try:
        result = import_csv(
            message,
            partner,
            csv_profiles=csv_profiles,
            uow_factory=container.uow,
            geocoder=container.geocoder,
            clock=container.clock,
        )
    except PayloadRejected as rejected:
        typer.echo(f"{path.name} refused: {'; '.join(e.reason for e in rejected.errors)}", err=True)
        raise typer.Exit(1) from None
    finally:
        container.close()
    typer.echo(f"{path.name} kept as message {result.message_id}")
    for line in result.summary():
        typer.echo(line)
    raise typer.Exit(0 if result.complete else 1)


route_app = typer.Typer(help="Routing: how orders were sourced.", no_args_is_help=True)
app.add_typer(route_app, name="route")
_COST_COLUMNS = ("shipping", "handling", "split_penalty", "priority", "total")


@route_app.command("explain")
def route_explain(
    order_id: Annotated[str, typer.Argument(help="The order's id")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Print how an order was routed, as GET /v1/orders/{id}/routing: the strategy, every candidate (location
    or combination) with its cost components, and every rejected one with the constraint that ruled it out."""
    from overture.services.errors import NotFound
    from overture.services.sourcing import routing_decisions

    container = bootstrap(_settings(home, database_url))
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
    )
    # Candidates that met every constraint first (chosen, then outranked), then those ruled out.
    candidates = list(decision["candidates"]) + [c for c in decision["rejected"] if c.get("components") is None]
    rows = [_routing_row(c) for c in sorted(candidates, key=lambda c: c["outcome"] != "chosen")]
    headers = ("locations", "outcome", "constraint", "km", "ship", "handling", "split", "priority", "total")
    for n, header in enumerate(headers):  # never cut a figure or what identifies a row: the reason wraps instead
        widest = max((len(row[n]) for row in rows), default=0)
        table.add_column(header, justify="right" if n >= 3 else "left", no_wrap=True, min_width=widest)
    table.add_column("reason", ratio=1)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    return table


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


@route_app.command("simulate")
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
    container = bootstrap(_settings(home, database_url))
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


_SIMULATION_COLUMNS = ("orders", "unrouted", "cost", "per order", "shipments", "split orders", "km", "on time %")


def _simulation_table(report: dict[str, Any]) -> Table:
    until = report["until"] or "now"
    title = f"{report['strategy']} strategy over routings from {report['since']} to {until}"
    rows = [
        [side, *_totals_row(report[side]), f"{report['differing_orders']:,}" if side == "simulated" else ""]
        for side in ("actual", "simulated")
    ]
    return _unwrapped(Table(title=escape(title)), ("", *_SIMULATION_COLUMNS, "days", "differing"), rows)


def _unwrapped(table: Table, headers: tuple[str, ...], rows: list[list[str]]) -> Table:
    """Columns as wide as their widest cell: figures and ids are never cut, whatever the terminal's width."""
    for n, header in enumerate(headers):
        widest = max([len(header), *(len(row[n]) for row in rows)])
        table.add_column(header, justify="right" if n else "left", no_wrap=True, min_width=widest)
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
    return _unwrapped(Table(title="Orders that differ most"), headers, rows)


def _plan_cells(plan: dict[str, Any] | None) -> tuple[str, str, str]:
    if plan is None:
        return ("not routed", "", "")
    km = "" if plan["distance_km"] is None else f"{plan['distance_km']:,.0f}"
    return (" + ".join(plan["locations"]), f"{plan['cost']:.2f}", km)


backlog_app = typer.Typer(help="The backlog: orders on hold for want of stock.", no_args_is_help=True)
app.add_typer(backlog_app, name="backlog")


@backlog_app.command("plan")
def backlog_plan(
    time_limit: Annotated[float, typer.Option(min=0.1, help="Seconds for CP-SAT, model building included")] = 10.0,
    workers: Annotated[int, typer.Option(min=1, help="CP-SAT workers (one per core)")] = 2,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Plan the orders on hold for insufficient stock against the stock available now: greedy
    (order by order, as capture would) beside CP-SAT (the whole backlog at once). Plans only:
    nothing is reserved and no order moves."""
    from overture.services.backlog import reallocate_backlog

    container = bootstrap(_settings(home, database_url))
    try:
        held: list[str] = []
        after: str | None = None
        while True:  # the exception queue, a page at a time
            page = container.views.exceptions(status="open", type_="insufficient_stock", after=after, limit=500)
            held.extend(row["order_id"] for row in page)
            if len(page) < 500:
                break
            after = page[-1]["id"]
        result = reallocate_backlog(
            container.uow,
            held,
            geocoder=container.geocoder,
            clock=container.clock,
            time_limit_s=time_limit,
            num_workers=workers,
        )
    finally:
        container.close()
    stocked = sum(sum(loc.stock.values()) for loc in result.backlog.locations)
    wanted = sum(order.units for order in result.backlog.orders)
    console.print(f"{len(result.backlog.orders)} order(s) on hold, {wanted} unit(s) wanted, {stocked} in stock")
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
