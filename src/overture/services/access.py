"""Use cases of access control: make, list and revoke API keys; tell who a presented key is.

A key's secret is returned once, when it is made; the store keeps only its SHA-256 (domain/access).
"""

from __future__ import annotations

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
from overture.services.errors import InvalidRequest, NotFound
from overture.services.ports import Clock, UnitOfWorkFactory

SESSION_SECRET = "session"


def create_key(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, role: Role, name: str | None = None, channel: str | None = None
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
        uow.commit()
    return made


def list_keys(uow_factory: UnitOfWorkFactory, *, include_revoked: bool = True) -> list[ApiKey]:
    with uow_factory(readonly=True) as uow:
        return uow.keys.list(include_revoked=include_revoked)


def revoke_key(uow_factory: UnitOfWorkFactory, clock: Clock, key_id: str) -> ApiKey:
    """Revoke a key at once: its next request, and every dashboard session it signed in, get 401."""
    with uow_factory() as uow:
        key = uow.keys.get(key_id)
        if key is None:
            raise NotFound(f"no API key {key_id!r}")
        if key.active:
            uow.keys.revoke(key_id, clock())
            uow.commit()
            key = uow.keys.get(key_id) or key
    return key


def replace_key(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, name: str, role: Role, channel: str | None = None
) -> NewKey:
    """A fresh key for an internal caller (the built-in WMS simulator): earlier active keys of that
    name are revoked, so restarts do not pile up live keys whose secrets nobody holds any more."""
    with uow_factory() as uow:
        for key in uow.keys.list(include_revoked=False):
            if key.name == name:
                uow.keys.revoke(key.id, clock())
        uow.commit()
    return create_key(uow_factory, clock, role=role, name=name, channel=channel)


def has_active_admin(uow_factory: UnitOfWorkFactory) -> bool:
    return any(k.role is Role.ADMIN for k in list_keys(uow_factory, include_revoked=False))


def authenticate(uow_factory: UnitOfWorkFactory, clock: Clock, token: str) -> Principal | None:
    """Who presents this token; None when it is malformed, unknown, wrong or revoked."""
    try:
        key_id, secret = split_token(token)
    except MalformedKey:
        return None
    with uow_factory(readonly=True) as uow:
        key = uow.keys.get(key_id)
    if key is None or not key.matches(secret) or not key.active:
        return None
    with uow_factory() as uow:
        uow.keys.touch(key.id, clock())
        uow.commit()
    return key.principal()


def active_principal(uow_factory: UnitOfWorkFactory, key_id: str) -> Principal | None:
    """The principal of a key a session was signed in with, while the key is not revoked."""
    with uow_factory(readonly=True) as uow:
        key = uow.keys.get(key_id)
    return key.principal() if key is not None and key.active else None


def signing_secret(uow_factory: UnitOfWorkFactory, clock: Clock, name: str = SESSION_SECRET) -> str:
    with uow_factory() as uow:
        value = uow.keys.secret(name, clock())
        uow.commit()
    return value
