"""``overture import csv`` (a trading partner's CSV order file), ``overture import pos`` (a store's POS batch
file) and ``overture import partners`` (partners and their address books), in-process."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from overture.cli.common import DatabaseOption, HomeOption, QuietOption, open_store, progress

if TYPE_CHECKING:
    from overture.services.partner_import import Imported

app = typer.Typer(help="Import order files from trading partners.", no_args_is_help=True)


@app.command("csv")
def import_csv_file(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A CSV order file")],
    partner: Annotated[str, typer.Option(help="The trading partner who sent it; its CSV profile reads the file")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
    quiet: QuietOption = False,
) -> None:
    """Import a partner's CSV order file into the configured store, as POST /v1/channels/csv does: the file
    is kept, good orders are captured, every bad row is listed with its row, column and reason. Exit code 0
    when every row is in an order (made now or by an earlier import), 1 otherwise. A bar on stderr shows
    the rows done (not with --quiet, nor when stderr is not a terminal)."""
    from overture.services.errors import PayloadRejected

    container = open_store(home, database_url)
    try:
        with progress(quiet=quiet) as bar:
            task = bar.add_task(f"importing {path.name}", total=None)

            def rows_done(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = container.csv_importer.receive(
                path.read_bytes(), partner, headers={"x-csv-filename": path.name}, progress=rows_done
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


@app.command("pos")
def import_pos_file(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A POS batch file (CSV)")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import a store's POS batch file, as POST /v1/channels/pos/batches does: the file is kept, each receipt
    recorded at its store (stock taken at once, paid at the till), every bad row listed with its row, column
    and reason; a receipt imported before is not imported again. Exit code 0 when every receipt is recorded
    (now or by an earlier import), 1 otherwise."""
    from overture.channels.pos_import import import_pos_batch
    from overture.services.errors import PayloadRejected

    container = open_store(home, database_url)
    try:
        result = import_pos_batch(
            container.uow, path.read_bytes(), clock=container.clock, headers={"x-pos-filename": path.name}
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


@app.command("partners")
def import_partners_file(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A CSV of trading partners")],
    addresses: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="A CSV of their ship-to stores, DCs and parties"),
    ] = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Create or update trading partners (and, with --addresses, their address books) from CSV, as
    POST /v1/partners/import and /v1/partners/addresses/import do; all or nothing per file. Exit code 1
    with every bad row and column listed when a file is refused."""
    from overture.services.changes import SYSTEM
    from overture.services.errors import PayloadError
    from overture.services.partner_import import import_addresses, import_partners

    container = open_store(home, database_url)
    try:
        steps: list[tuple[Path, Callable[[str], Imported]]] = [
            (path, partial(import_partners, container.uow, clock=container.clock, actor=SYSTEM))
        ]
        if addresses is not None:
            steps.append((addresses, partial(import_addresses, container.uow, clock=container.clock)))
        for file, run in steps:
            try:
                result = run(file.read_text(encoding="utf-8-sig"))
            except PayloadError as error:
                for problem in error.errors:
                    typer.echo(f"{file.name}: {problem.field}: {problem.reason}", err=True)
                raise typer.Exit(1) from None
            typer.echo(f"{file.name}: {result.created} created, {result.updated} updated")
    finally:
        container.close()
