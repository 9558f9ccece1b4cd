"""Running the hub (``serve``, ``api``, ``worker``, ``dispatcher``, ``demo``) and its database (``db upgrade``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from overture.bootstrap import bootstrap
from overture.cli.common import DatabaseOption, HomeOption, console, settings_for
from overture.config import Settings

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


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
    from overture.workflows.child_process import exit_on_termination

    settings = settings_for(home, database_url, host=host, port=port)
    container = bootstrap(settings)
    console.print(f"Overture on {settings.hub_url()}  (store: {settings.resolved_database_url()})")
    _advise_on_keys(settings, container)
    # SIGTERM (a service manager, `kill`) unwinds like Ctrl-C: the dev server and simulators stop with us.
    with exit_on_termination():
        serve_hub(settings, container)


def _advise_on_keys(settings: Settings, container: Any) -> None:
    from overture.services.access import has_active_admin

    if settings.auth == "off":
        console.print("[yellow]Auth is off (OVERTURE_AUTH=off): anyone who can reach this port is admin[/]")
    elif not has_active_admin(container.uow):
        console.print("No admin key yet: make one with [bold]overture keys create --role admin[/] (same --home)")


def api(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000)")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="API processes sharing the port (one per core)")] = 1,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Run only the API, against OVERTURE_TEMPORAL_ADDRESS (scale-out: several API processes; --workers N
    runs N on this machine, on one port, and starts again one that dies)."""
    from overture.runtime import run_api

    settings = settings_for(home, database_url, host=host, port=port)
    if workers == 1:
        run_api(settings, bootstrap(settings))
        return
    raise typer.Exit(_api_copies(settings, workers))


def _api_copies(settings: Settings, workers: int) -> int:
    import sys

    from overture.store.migrate import upgrade
    from overture.supervisor import Supervisor

    if settings.port == 0:
        console.print("[red]--workers needs a fixed --port: copies on port 0 would each get another one[/]")
        return 2
    upgrade(settings.resolved_database_url())  # once, here, rather than N copies racing to migrate
    env = {
        "OVERTURE_HOST": settings.host,
        "OVERTURE_PORT": str(settings.port),
        "OVERTURE_REUSE_PORT": "true",
        "OVERTURE_HOME": str(settings.home),
        "OVERTURE_DATABASE_URL": settings.resolved_database_url(),
    }
    console.print(f"Overture API: {workers} processes on {settings.hub_url()}")
    command = [sys.executable, "-c", "from overture.cli import app; app()", "api"]
    return Supervisor(command, workers, env, grace_s=settings.shutdown_grace_s).run()


def worker(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Run only the order worker, against OVERTURE_TEMPORAL_ADDRESS (scale-out); it dispatches too
    unless OVERTURE_WORKER_DISPATCH=false. SIGTERM drains the activities in flight."""
    from overture.runtime import run_worker

    settings = settings_for(home, database_url)
    run_worker(settings, bootstrap(settings))


def dispatcher(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Run only the dispatcher role, against OVERTURE_TEMPORAL_ADDRESS: start the workflows of captured
    orders and returns, and (one process at a time, by lease) poll the WMS and send what channels and
    partners are owed. Run as many as wanted, with the workers at OVERTURE_WORKER_DISPATCH=false."""
    from overture.runtime import run_dispatcher

    settings = settings_for(home, database_url)
    run_dispatcher(settings, bootstrap(settings))


def demo(
    orders: Annotated[int, typer.Option(min=1, help="How many orders to place")] = 400,
    skus: Annotated[int, typer.Option(min=1, help="How many SKUs to seed")] = 10_000,
    clients: Annotated[int, typer.Option(min=1, help="Concurrent API clients")] = 8,
    port: Annotated[int, typer.Option(help="Port for the hub (0 = any free port)")] = 8000,
    keep_serving: Annotated[bool, typer.Option("--serve/--exit", help="Keep the hub running after the summary")] = True,
    seed: Annotated[int, typer.Option(help="Random seed for the sample data")] = 7,
    home: HomeOption = None,
) -> None:
    """Run the whole hub (engine, simulators, worker, API) on the default store under --home, emptied
    (only if an earlier demo made it), seed it, place realistic
    orders through the API, break the ERP and WMS for a while and resolve the exceptions as an operator
    would, then summarise: orders by status, exceptions by type and resolution, side effects checked."""
    from overture.demo import DemoOptions, run_demo
    from overture.demo.run import DemoRefused
    from overture.workflows.child_process import exit_on_termination

    settings = settings_for(home, None)
    options = DemoOptions(orders=orders, skus=skus, clients=clients, port=port, keep_serving=keep_serving, seed=seed)
    with exit_on_termination():
        try:
            run_demo(settings, options, console=console)
        except DemoRefused as refused:
            typer.echo(str(refused), err=True)
            raise typer.Exit(2) from None


@db_app.command("upgrade")
def db_upgrade(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Apply every pending migration."""
    from overture.store.migrate import upgrade

    settings = settings_for(home, database_url)
    upgrade(settings.resolved_database_url())
    console.print(f"[green]Database at head[/]: {settings.resolved_database_url()}")


@db_app.command("backup")
def db_backup(
    path: Annotated[Path, typer.Argument(help="Where to write the backup")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """A consistent copy of the store while the hub runs: SQLite's online backup, or pg_dump's custom format."""
    from overture.store.backup import BackupError, backup

    settings = settings_for(home, database_url)
    try:
        result = backup(settings.resolved_database_url(), path)
    except BackupError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    console.print(f"[green]Backed up[/] ({result.kind}, {result.size_bytes:,} bytes) to {result.path}")


@db_app.command("restore")
def db_restore(
    path: Annotated[Path, typer.Argument(help="A backup written by overture db backup")],
    replace: Annotated[bool, typer.Option("--replace", help="Restore over a store that holds orders")] = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Restore a backup into the store (stop the hub first), then migrate it to this release's head."""
    from overture.store.backup import BackupError, restore

    settings = settings_for(home, database_url)
    try:
        restore(path, settings.resolved_database_url(), replace=replace)
    except BackupError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    console.print(f"[green]Restored[/] {path} into {settings.resolved_database_url()}")
