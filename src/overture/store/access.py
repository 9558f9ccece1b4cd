"""API keys and the hub's signing secrets, in SQL."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Connection, Row, bindparam, insert, select, update

from overture.domain.access import ApiKey, Role
from overture.services.access import TOUCH_EVERY
from overture.store.tables import api_keys, auth_secrets

# Built once: the API reads a key for every request whose key is not in its KeyCache.
_KEY_BY_ID = select(api_keys).where(api_keys.c.id == bindparam("b_key_id"))


def _key(row: Row[tuple[object, ...]]) -> ApiKey:
    m = row._mapping
    return ApiKey(
        id=m["id"],
        name=m["name"],
        role=Role(m["role"]),
        channel=m["channel"],
        secret_hash=m["secret_hash"],
        prefix=m["prefix"],
        created_at=m["created_at"],
        last_used_at=m["last_used_at"],
        revoked_at=m["revoked_at"],
    )


class SqlKeyRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, key: ApiKey) -> None:
        self._c.execute(
            insert(api_keys).values(
                id=key.id,
                name=key.name,
                role=key.role.value,
                channel=key.channel,
                secret_hash=key.secret_hash,
                prefix=key.prefix,
                created_at=key.created_at,
            )
        )

    def get(self, key_id: str) -> ApiKey | None:
        row = self._c.execute(_KEY_BY_ID, {"b_key_id": key_id}).first()
        return None if row is None else _key(row)

    def list(self, *, include_revoked: bool = True) -> list[ApiKey]:
        query = select(api_keys).order_by(api_keys.c.id)
        if not include_revoked:
            query = query.where(api_keys.c.revoked_at.is_(None))
        return [_key(row) for row in self._c.execute(query)]

    def revoke(self, key_id: str, at: datetime) -> bool:
        """Revoke an active key; False when there is none of that id still active."""
        result = self._c.execute(
            update(api_keys).where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None)).values(revoked_at=at)
        )
        return result.rowcount == 1

    def touch(self, key_id: str, at: datetime) -> None:
        stale = api_keys.c.last_used_at.is_(None) | (api_keys.c.last_used_at < at - TOUCH_EVERY)
        self._c.execute(update(api_keys).where(api_keys.c.id == key_id, stale).values(last_used_at=at))

    def secret(self, name: str, at: datetime) -> str:
        """The named signing secret, made on first use (a concurrent maker's row wins: read it back)."""
        value = self._c.scalar(select(auth_secrets.c.secret).where(auth_secrets.c.name == name))
        if value is not None:
            return str(value)
        self._c.execute(insert(auth_secrets).values(name=name, secret=secrets.token_urlsafe(48), created_at=at))
        return str(self._c.scalar(select(auth_secrets.c.secret).where(auth_secrets.c.name == name)))
