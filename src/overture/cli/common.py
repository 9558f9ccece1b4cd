"""What the command groups share: the consoles, the --home / --database-url / --quiet options, the
settings they make, and opening the store a command reads (never an empty one made by mistake).

Output for people and machines stays apart: results (tables, ``--json``) go to stdout; the store line
and progress bars go to stderr, so ``overture ... --json | jq`` reads only JSON.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url

from overture.bootstrap import Container, bootstrap
from overture.config import Settings

console = Console()
# Progress and notes: stderr. Tests replace it with Console(force_terminal=True, file=...) to see bars.
err_console = Console(stderr=True)

HomeOption = Annotated[Path | None, typer.Option(help="Folder for the embedded store (default ./.overture)")]
DatabaseOption = Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: SQLite file under --home)")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar on stderr")]


def settings_for(home: Path | None, database_url: str | None, **overrides: object) -> Settings:
    """The environment's settings, with the options given on the command line (None: not given) on top."""
    values: dict[str, object] = {k: v for k, v in overrides.items() if v is not None}
    if home is not None:
        values["home"] = home
    if database_url is not None:
        values["database_url"] = database_url
    return Settings(**values)  # type: ignore[arg-type]


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def store_settings(home: Path | None, database_url: str | None, **overrides: object) -> Settings:
    """The settings of a command that reads or writes the store: it must exist, and stderr says which it is.

    SQLite makes a missing file on connect, and migrations would then fill it with empty tables: a
    command run in the wrong folder would answer "nothing found" from a store made a moment ago. So a
    missing file is refused (exit 2), saying where the store was looked for and how to get one."""
    settings = settings_for(home, database_url, **overrides)
    url = settings.resolved_database_url()
    shown = make_url(url).render_as_string(hide_password=True)
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        typer.echo(
            f"no store at {shown}: run `make demo` (a store with sample data), `overture db upgrade` (an empty"
            " one), or point OVERTURE_DATABASE_URL (or --database-url, --home) at your store",
            err=True,
        )
        raise typer.Exit(2)
    typer.echo(f"store: {shown}", err=True)
    return settings


def open_store(home: Path | None, database_url: str | None, **overrides: object) -> Container:
    """The container of an existing store (see ``store_settings``); close it when done."""
    return bootstrap(store_settings(home, database_url, **overrides))


def progress(*, quiet: bool) -> Progress:
    """A progress display on stderr: off with --quiet and when stderr is not a terminal (a pipe, a log)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=quiet or not err_console.is_terminal,
    )


def cli_actor() -> str:
    """Who a change made from the command line is recorded as: the operating-system user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        user = "unknown"
    return f"cli ({user})"
