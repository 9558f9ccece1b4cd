"""Dashboard sessions, kept on the server so that signing out and revoking a key end them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredSession:
    """One sign-in. ``id_hash`` is the SHA-256 of the session id; the id itself lives only in the cookie."""

    id_hash: str
    key_id: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None = None

    def live_at(self, at: datetime) -> bool:
        return self.revoked_at is None and at < self.expires_at


class SessionRepository(Protocol):
    def add(self, session: StoredSession) -> None: ...

    def get(self, id_hash: str) -> StoredSession | None: ...

    def touch(self, id_hash: str, at: datetime) -> None:
        """Record a use (at most about once a minute, as the caller decides)."""
        ...

    def revoke(self, id_hash: str, at: datetime) -> bool: ...

    def revoke_for_key(self, key_id: str, at: datetime) -> int:
        """Revoke every live session of a key; how many were."""
        ...

    def purge(self, before: datetime) -> int:
        """Delete sessions that expired or were revoked before ``before``; how many."""
        ...
