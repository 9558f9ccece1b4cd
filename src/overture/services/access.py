"""Use cases of access control: make, list and revoke API keys; tell who a presented key is.

A key's secret is returned once, when it is made; the store keeps only its SHA-256 (domain/access).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from overture.domain.access import (
    ID_PREFIX,
    ApiKey,
    InvalidKeyRequest,
    MalformedKey,
    NewKey,
    Principal,
    Role,
    make_key,
    split_token,
)
from overture.domain.ids import new_id
from overture.services import changes
from overture.services.changes import SYSTEM
from overture.services.errors import InvalidRequest, NotFound
from overture.services.ports import Clock, UnitOfWorkFactory

SESSION_SECRET = "session"
# last_used_at is a hint for people tidying keys, not an audit log: it is written at most this often
# per key, so a busy client does not turn every request into a write.
TOUCH_EVERY = timedelta(minutes=1)
# How long an API process trusts a key it read: a key revoked elsewhere (the CLI, another API process)
# is refused at most this much later; one revoked through this process, at once (see revoke_key).
KEY_CACHE_TTL_S = 2.0


class KeyCache:
    """API keys read from the store in the last ``ttl_s`` seconds, by key id.

    Every request presents a key, and reading it cost a read transaction per request. The cached key
    still has its secret checked on every request (only the store read is saved); unknown ids are never
    cached, so made-up keys cannot fill it."""

    def __init__(self, ttl_s: float = KEY_CACHE_TTL_S, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._keys: dict[str, tuple[float, ApiKey]] = {}
        self._lock = threading.Lock()  # requests are served from a thread pool
        _CACHES.add(self)

    def get(self, key_id: str) -> ApiKey | None:
        """The key if it was read less than ``ttl_s`` ago; None otherwise (read it from the store)."""
        with self._lock:
            found = self._keys.get(key_id)
            if found is None:
                return None
            if self._clock() - found[0] >= self._ttl_s:
                del self._keys[key_id]
                return None
            return found[1]

    def put(self, key: ApiKey) -> None:
        with self._lock:
            now = self._clock()
            if len(self._keys) >= 1024:  # keys are few; this only bounds the memory of a stray flood
                self._keys = {k: v for k, v in self._keys.items() if now - v[0] < self._ttl_s}
            self._keys[key.id] = (now, key)

    def forget(self, key_id: str) -> None:
        with self._lock:
            self._keys.pop(key_id, None)


# Every live cache of this process, so that a key revoked here is forgotten by all of them at once.
_CACHES: weakref.WeakSet[KeyCache] = weakref.WeakSet()


def _forget_everywhere(key_id: str) -> None:
    for cache in list(_CACHES):
        cache.forget(key_id)


def create_key(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    role: Role,
    name: str | None = None,
    channel: str | None = None,
    actor: str = SYSTEM,
) -> NewKey:
    """Make a key; ``NewKey.token`` is the only time its secret exists outside the caller's hands."""
    key_id = new_id(ID_PREFIX)
    default_name = f"{role.value}-{channel}" if channel else f"{role.value}-{key_id[-6:].lower()}"
    try:
        made = make_key(key_id, name if name is not None else default_name, role, channel, clock())
    except InvalidKeyRequest as error:
        raise InvalidRequest(error.field, error.reason) from None
    with uow_factory() as uow:
        uow.keys.add(made.key)
        key = made.key
        detail = {"name": key.name, "role": key.role.value, "channel": key.channel}
        # A new key has no before; its after is what it may do (never its secret).
        changes.record(uow, key.created_at, actor, "key.created", f"key:{key.id}", **detail, before=None, after=detail)
        uow.commit()
    return made


def list_keys(uow_factory: UnitOfWorkFactory, *, include_revoked: bool = True) -> list[ApiKey]:
    with uow_factory(readonly=True) as uow:
        return uow.keys.list(include_revoked=include_revoked)


def revoke_key(uow_factory: UnitOfWorkFactory, clock: Clock, key_id: str, *, actor: str = SYSTEM) -> ApiKey:
    """Revoke a key at once: its next request, and every dashboard session it signed in (revoked with it),
    get 401."""
    with uow_factory() as uow:
        key = uow.keys.get(key_id)
        if key is None:
            raise NotFound(f"no API key {key_id!r}")
        if key.active:
            at = clock()
            uow.keys.revoke(key_id, at)
            uow.sessions.revoke_for_key(key_id, at)  # in the same transaction: no session outlives its key
            states = {"before": {"revoked_at": None}, "after": {"revoked_at": at.isoformat()}}
            changes.record(uow, at, actor, "key.revoked", f"key:{key_id}", name=key.name, role=key.role.value, **states)
            uow.commit()
            key = uow.keys.get(key_id) or key
    _forget_everywhere(key_id)
    return key


def replace_key(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, name: str, role: Role, channel: str | None = None
) -> NewKey:
    """A fresh key for an internal caller (the built-in WMS simulator): earlier active keys of that
    name are revoked, so restarts do not pile up live keys whose secrets nobody holds any more."""
    with uow_factory() as uow:
        for key in uow.keys.list(include_revoked=False):
            if key.name == name:
                at = clock()
                uow.keys.revoke(key.id, at)
                uow.sessions.revoke_for_key(key.id, at)
                changes.record(uow, at, SYSTEM, "key.revoked", f"key:{key.id}", name=key.name, replaced=True)
                _forget_everywhere(key.id)
        uow.commit()
    return create_key(uow_factory, clock, role=role, name=name, channel=channel)


def has_active_admin(uow_factory: UnitOfWorkFactory) -> bool:
    return any(k.role is Role.ADMIN for k in list_keys(uow_factory, include_revoked=False))


def authenticate(
    uow_factory: UnitOfWorkFactory, clock: Clock, token: str, *, cache: KeyCache | None = None
) -> Principal | None:
    """Who presents this token; None when it is malformed, unknown, wrong or revoked.

    With ``cache``, a key read in the last few seconds is not read again (KeyCache)."""
    try:
        key_id, secret = split_token(token)
    except MalformedKey:
        return None
    key = _key(uow_factory, key_id, cache)
    if key is None or not key.matches(secret) or not key.active:
        return None
    now = clock()
    # Only a key whose last use is stale costs a write transaction (the store checks again, for
    # concurrent callers); a cached key was read, and touched if need be, less than a TTL ago.
    if key.last_used_at is None or key.last_used_at < now - TOUCH_EVERY:
        with uow_factory() as uow:
            uow.keys.touch(key.id, now)
            uow.commit()
        if cache is not None:
            cache.put(replace(key, last_used_at=now))
    return key.principal()


def cached_principal(cache: KeyCache, clock: Clock, token: str) -> Principal | None:
    """Who presents this token, if its key is in ``cache`` and its last use needs no write; else None,
    and ``authenticate`` decides. Touches no store, so the API runs it on its event loop and saves a
    thread hand-off per request; a refusal is never decided here."""
    try:
        key_id, secret = split_token(token)
    except MalformedKey:
        return None
    key = cache.get(key_id)
    if key is None or not key.active or not key.matches(secret):
        return None
    if key.last_used_at is None or key.last_used_at < clock() - TOUCH_EVERY:
        return None
    return key.principal()


def active_principal(uow_factory: UnitOfWorkFactory, key_id: str, *, cache: KeyCache | None = None) -> Principal | None:
    """The principal of a key a session was signed in with, while the key is not revoked."""
    key = _key(uow_factory, key_id, cache)
    return key.principal() if key is not None and key.active else None


def _key(uow_factory: UnitOfWorkFactory, key_id: str, cache: KeyCache | None) -> ApiKey | None:
    key = cache.get(key_id) if cache is not None else None
    if key is not None:
        return key
    with uow_factory(readonly=True) as uow:
        key = uow.keys.get(key_id)
    if key is not None and key.active and cache is not None:
        cache.put(key)
    return key


def signing_secret(uow_factory: UnitOfWorkFactory, clock: Clock, name: str = SESSION_SECRET) -> str:
    with uow_factory() as uow:
        value = uow.keys.secret(name, clock())
        uow.commit()
    return value
