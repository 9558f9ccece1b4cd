"""Use cases of dashboard sessions: sign in (open), tell who a session is, sign out (close).

A session is a random id in an HttpOnly cookie; the store keeps only its SHA-256 with the key it was
signed in with, its CSRF token and its expiry. So a stolen copy of the table signs nobody in, signing
out ends the session everywhere, and revoking a key (services/access.revoke_key) ends its sessions in
the same transaction. Who a session is comes from the store on every request: a session closed or
revoked in another process is refused on its next request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from overture.domain.access import Principal
from overture.services.access import KeyCache, active_principal
from overture.services.ports import Clock, UnitOfWorkFactory
from overture.services.ports.sessions import StoredSession

# last_seen_at says a session is in use; like a key's last_used_at it is a hint, written at most this
# often, so a busy dashboard does not turn every request into a write.
SEEN_EVERY = timedelta(minutes=1)
# Ended sessions are kept a day (who was signed in when, for someone looking), then deleted on a sign-in.
KEEP_ENDED = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class OpenedSession:
    """A new sign-in. ``session_id`` goes into the cookie and nowhere else."""

    session_id: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who a live session is, and the CSRF token its forms and htmx requests must send."""

    principal: Principal
    csrf_token: str


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(
    uow_factory: UnitOfWorkFactory, clock: Clock, principal: Principal, *, max_age: timedelta
) -> OpenedSession:
    """Sign ``principal`` in for ``max_age`` (the hub's session_max_age_s)."""
    now = clock()
    opened = OpenedSession(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now + max_age)
    stored = StoredSession(
        id_hash=hash_session_id(opened.session_id),
        key_id=principal.key_id,
        csrf_token=opened.csrf_token,
        created_at=now,
        expires_at=opened.expires_at,
        last_seen_at=now,
    )
    with uow_factory() as uow:
        uow.sessions.purge(now - KEEP_ENDED)
        uow.sessions.add(stored)
        uow.commit()
    return opened


def signed_in(
    uow_factory: UnitOfWorkFactory, clock: Clock, session_id: str, *, cache: KeyCache | None = None
) -> SignedIn | None:
    """Who this session is; None when it is unknown, expired, signed out or its key is revoked."""
    id_hash = hash_session_id(session_id)
    with uow_factory(readonly=True) as uow:
        session = uow.sessions.get(id_hash)
    now = clock()
    if session is None or not session.live_at(now):
        return None
    principal = active_principal(uow_factory, session.key_id, cache=cache)
    if principal is None:
        return None
    if session.last_seen_at < now - SEEN_EVERY:
        with uow_factory() as uow:
            uow.sessions.touch(id_hash, now)
            uow.commit()
    return SignedIn(principal, session.csrf_token)


def close_session(uow_factory: UnitOfWorkFactory, clock: Clock, session_id: str) -> bool:
    """Sign out: the session is refused from now on, by every API process. False if it was not live."""
    with uow_factory() as uow:
        closed = uow.sessions.revoke(hash_session_id(session_id), clock())
        uow.commit()
    return closed
