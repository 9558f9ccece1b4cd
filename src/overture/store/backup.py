"""Backing up a store and restoring it, with each engine's own tool.

- SQLite: the online backup API (``sqlite3.Connection.backup``), page by page while the hub keeps
  writing, so the copy is one consistent moment of the store, never a file copied mid-transaction.
  A restore writes the backup into the target through the same API.
- PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot, without blocking writers) and
  ``pg_restore --clean --if-exists --no-owner`` into the target database. A store kept in a schema of
  its own (``options=-csearch_path=<schema>`` in the URL) is dumped and restored as that schema only.

A restore refuses a target that already holds orders unless told to replace them, and migrates the
restored store to this release's head afterwards (a backup taken by an older release is upgraded).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, func, inspect, select

from overture.store.engine import make_engine, normalise_url
from overture.store.migrate import upgrade
from overture.store.tables import orders


class BackupError(Exception):
    """A backup or restore that could not be made, with the tool's own words."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    size_bytes: int
    kind: str  # "sqlite" | "postgresql"


def backup(url: str, path: Path) -> BackupResult:
    """Write a consistent copy of the store at ``url`` to ``path`` (replaced if it exists)."""
    parsed = normalise_url(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_file(parsed), path)
        return BackupResult(path, path.stat().st_size, "sqlite")
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", *_schema_options(parsed)], parsed)
    return BackupResult(path, path.stat().st_size, "postgresql")


def restore(path: Path, url: str, *, replace: bool = False) -> None:
    """Restore the backup at ``path`` into the store at ``url``, then migrate it to head."""
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    parsed = normalise_url(url)
    if not replace and _holds_orders(parsed):
        raise BackupError("the target store holds orders; restore over them only when told to replace them")
    if parsed.get_backend_name() == "sqlite":
        _sqlite_copy(path, Path(_sqlite_file(parsed)), check=True)
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error", str(path)], parsed, dbname=True)
    upgrade(parsed.render_as_string(hide_password=False))


def _sqlite_file(parsed: URL) -> Path:
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite store has no file to back up or restore into")
    return Path(parsed.database)


def _sqlite_copy(source: Path, target: Path, *, check: bool = False) -> None:
    if not source.is_file():
        raise BackupError(f"no SQLite store at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    origin = sqlite3.connect(source)
    try:
        if check and origin.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise BackupError(f"{source} is not a sound SQLite database")
        copy = sqlite3.connect(target)
        try:
            origin.backup(copy, pages=1024)  # in steps: writers wait for one step, not the whole copy
        finally:
            copy.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source}: {error}") from error
    finally:
        origin.close()


def _holds_orders(parsed: URL) -> bool:
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        return False
    engine = make_engine(parsed)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(orders.name):
                return False
            return bool(connection.scalar(select(func.count()).select_from(orders)))
    finally:
        engine.dispose()


def _schema_options(parsed: URL) -> list[str]:
    schema = _search_path(parsed)
    return [f"--schema={schema}"] if schema else []


def _search_path(parsed: URL) -> str | None:
    options = parsed.query.get("options")
    text = options if isinstance(options, str) else " ".join(options or ())
    for part in text.split():
        if part.startswith("-csearch_path="):
            return part.removeprefix("-csearch_path=").split(",")[0]
    return None


def _run(command: list[str], parsed: URL, *, dbname: bool = False) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools are needed)")
    connection = ["--host", parsed.host or "localhost", "--port", str(parsed.port or 5432)]
    connection += ["--username", parsed.username or "postgres"]
    connection += [f"--dbname={parsed.database}"] if dbname else [parsed.database or "postgres"]
    env = {**os.environ, **({"PGPASSWORD": parsed.password} if parsed.password else {})}
    done = subprocess.run([tool, *command[1:], *connection], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
