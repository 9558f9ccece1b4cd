"""Engines for the two supported stores.

SQLite: WAL, foreign keys, a busy timeout, and ``BEGIN IMMEDIATE`` for write transactions
so two writers never both read and then deadlock upgrading to the write lock; read-only
units of work use a plain deferred ``BEGIN`` and never block writers.
PostgreSQL: psycopg 3, READ COMMITTED; correctness comes from conditional updates.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url

READONLY = "overture_readonly"


# A NUL in a JSON string is written "\u0000", which jsonb refuses anywhere (a header or an error
# reason quoting a sender's NUL would fail the statement and roll back its transaction, the raw
# message's included). It becomes U+FFFD, on both stores alike: an escape is a NUL when an even
# number of backslashes (zero included) stands before it; "\\u0000" is a backslash and "u0000".
_ESCAPED_NUL = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")


def _json_dumps(value: Any) -> str:
    text = orjson.dumps(value, default=str)
    if b"\\u0000" in text:  # rare: one search of the bytes, not a walk of the document per write
        text = _ESCAPED_NUL.sub(rb"\1\\ufffd", text)
    return text.decode()


def normalise_url(url: str | URL) -> URL:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    parsed = normalise_url(url)
    options: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options.update(pool_size=8, max_overflow=24, connect_args={"timeout": 30, "check_same_thread": False})
        options.update(kwargs)
        engine = create_engine(parsed, **options)
        _configure_sqlite(engine)
        return engine
    options.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
    options.update(kwargs)
    return create_engine(parsed, **options)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's "begin" event decide how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            "busy_timeout=30000",
            "cache_size=-65536",
            "temp_store=MEMORY",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        statement = "BEGIN" if connection.get_execution_options().get(READONLY, False) else "BEGIN IMMEDIATE"
        # Straight to the driver: every unit of work begins here, and SQLAlchemy's statement
        # machinery cost more than the BEGIN itself. Errors are wrapped as SQLAlchemy would.
        try:
            connection.connection.driver_connection.execute(statement)  # type: ignore[union-attr]
        except sqlite3.Error as error:
            raise exc.DBAPIError.instance(statement, None, error, sqlite3.Error) from error
