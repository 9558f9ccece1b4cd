"""What the command groups share: the console, the --home / --database-url options and the settings they make."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from overture.config import Settings

console = Console()

HomeOption = Annotated[Path | None, typer.Option(help="Folder for the embedded store (default ./.overture)")]
DatabaseOption = Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: SQLite file under --home)")]


def settings_for(home: Path | None, database_url: str | None, **overrides: object) -> Settings:
    """The environment's settings, with the options given on the command line (None: not given) on top."""
    values: dict[str, object] = {k: v for k, v in overrides.items() if v is not None}
    if home is not None:
        values["home"] = home
    if database_url is not None:
        values["database_url"] = database_url
    return Settings(**values)  # type: ignore[arg-type]


def cli_actor() -> str:
    """Who a change made from the command line is recorded as: the operating-system user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        user = "unknown"
    return f"cli ({user})"
