"""``overture import csv``: a trading partner's CSV order file, imported in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from overture.bootstrap import bootstrap
from overture.cli.common import DatabaseOption, HomeOption, settings_for

app = typer.Typer(help="Import order files from trading partners.", no_args_is_help=True)


@app.command("csv")
def import_csv_file(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A CSV order file")],
    partner: Annotated[str, typer.Option(help="The trading partner who sent it; its CSV profile reads the file")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import a partner's CSV order file into the configured store, as POST /v1/channels/csv does: the file
    is kept, good orders are captured, every bad row is listed with its row, column and reason. Exit code 0
    when every row is in an order (made now or by an earlier import), 1 otherwise."""
    from overture.services.errors import PayloadRejected

    container = bootstrap(settings_for(home, database_url))
    try:
        result = container.csv_importer.receive(path.read_bytes(), partner, headers={"x-csv-filename": path.name})
    except PayloadRejected as rejected:
        typer.echo(f"{path.name} refused: {'; '.join(e.reason for e in rejected.errors)}", err=True)
        raise typer.Exit(1) from None
    finally:
        container.close()
    typer.echo(f"{path.name} kept as message {result.message_id}")
    for line in result.summary():
        typer.echo(line)
    raise typer.Exit(0 if result.complete else 1)
