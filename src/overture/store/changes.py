"""The change log (services/ports/changes.py) on the ``change_log`` table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select

from overture.services.ports.changes import Change
from overture.store.tables import change_log

T = change_log
_ADD = insert(T)


class SqlChangeLog:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, changes: Sequence[Change]) -> None:
        if changes:
            rows = [
                {"at": c.at, "actor": c.actor, "action": c.action, "subject": c.subject, "detail": dict(c.detail)}
                for c in changes
            ]
            self._c.execute(_ADD, rows)

    def recent(
        self,
        *,
        subject: str | None = None,
        before: int | None = None,
        limit: int = 50,
        subject_prefix: str | None = None,
    ) -> list[Change]:
        query = select(T).order_by(T.c.id.desc()).limit(limit)
        if subject is not None:
            query = query.where(T.c.subject == subject)
        if subject_prefix:
            query = query.where(T.c.subject.startswith(subject_prefix, autoescape=True))  # "%" and "_" as typed
        if before is not None:
            query = query.where(T.c.id < before)
        return [_change(row) for row in self._c.execute(query)]


def _change(row: Any) -> Change:
    return Change(row.at, row.actor, row.action, row.subject, row.detail, row.id)
