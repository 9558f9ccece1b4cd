"""``overture import csv``: a trading partner's CSV order file, imported in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from overture.cli.common import DatabaseOption, HomeOption, QuietOption, open_store, progress

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
