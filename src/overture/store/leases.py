"""Leases (services/ports/leases.py) in the store: one row per job, taken with one upsert.

The upsert only overwrites a row that is ours or expired, so two processes racing for a free lease
cannot both win: the database serialises the two statements on the row's primary key. Whether we
won is read back in the same transaction rather than taken from the row count, which SQLite and
PostgreSQL's drivers report differently for an upsert that changed nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from overture.store.tables import leases

L = leases


class SqlLeases:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def take(self, name: str, holder: str, *, now: datetime, until: datetime) -> bool:
        with self._engine.begin() as c:
            dialect = postgresql if c.dialect.name == "postgresql" else sqlite
            insert = dialect.insert(L).values(name=name, holder=holder, expires_at=until)
            c.execute(
                insert.on_conflict_do_update(
                    index_elements=[L.c.name],
                    set_={"holder": insert.excluded.holder, "expires_at": insert.excluded.expires_at},
                    where=or_(L.c.holder == holder, L.c.expires_at < now),
                )
            )
            found = c.execute(select(L.c.holder).where(L.c.name == name)).scalar_one_or_none()
        return found == holder

    def release(self, name: str, holder: str) -> None:
        with self._engine.begin() as c:
            c.execute(delete(L).where(L.c.name == name, L.c.holder == holder))
