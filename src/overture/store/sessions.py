"""Dashboard sessions, in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Row, bindparam, delete, insert, or_, select, update

from overture.services.ports.sessions import StoredSession
from overture.store.tables import sessions

# Built once: every dashboard request reads its session.
_BY_HASH = select(sessions).where(sessions.c.id_hash == bindparam("b_id_hash"))


def _session(row: Row[tuple[object, ...]]) -> StoredSession:
    m = row._mapping
    return StoredSession(
        id_hash=m["id_hash"],
        key_id=m["key_id"],
        csrf_token=m["csrf_token"],
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        last_seen_at=m["last_seen_at"],
        revoked_at=m["revoked_at"],
    )


class SqlSessionRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, session: StoredSession) -> None:
        self._c.execute(
            insert(sessions).values(
                id_hash=session.id_hash,
                key_id=session.key_id,
                csrf_token=session.csrf_token,
                created_at=session.created_at,
                expires_at=session.expires_at,
                last_seen_at=session.last_seen_at,
                revoked_at=session.revoked_at,
            )
        )

    def get(self, id_hash: str) -> StoredSession | None:
        row = self._c.execute(_BY_HASH, {"b_id_hash": id_hash}).first()
        return None if row is None else _session(row)

    def touch(self, id_hash: str, at: datetime) -> None:
        # Only forward: two requests racing to touch never move the stamp back.
        self._c.execute(
            update(sessions).where(sessions.c.id_hash == id_hash, sessions.c.last_seen_at < at).values(last_seen_at=at)
        )

    def revoke(self, id_hash: str, at: datetime) -> bool:
        live = (sessions.c.id_hash == id_hash, sessions.c.revoked_at.is_(None))
        return self._c.execute(update(sessions).where(*live).values(revoked_at=at)).rowcount == 1

    def revoke_for_key(self, key_id: str, at: datetime) -> int:
        live = (sessions.c.key_id == key_id, sessions.c.revoked_at.is_(None))
        return int(self._c.execute(update(sessions).where(*live).values(revoked_at=at)).rowcount)

    def purge(self, before: datetime) -> int:
        ended = or_(sessions.c.expires_at < before, sessions.c.revoked_at < before)
        return int(self._c.execute(delete(sessions).where(ended)).rowcount)
