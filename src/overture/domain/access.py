"""Access control: who may do what.

Roles form a ladder for people and tools (``viewer`` < ``operator`` < ``admin``); a ``channel`` key
stands beside it: it may only post to the intake endpoints of its own channel, nothing else.

Errors::

    InvalidKeyRequest   a key cannot be made as asked (role, channel, name); names the field
    MalformedKey        a presented key is not in the ``ovt_<id>_<secret>`` format
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

KEY_MARK = "ovt"
ID_PREFIX = "key"
_ID_LENGTH = len(ID_PREFIX) + 1 + 26  # "key_" + a ULID
_SECRET_BYTES = 32
VISIBLE_CHARS = 6  # of the secret, kept in clear so a person can tell keys apart
MAX_NAME = 255
MAX_CHANNEL = 64


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"
    CHANNEL = "channel"
    # A marketplace seller's key: its ``channel`` is the seller's id, and it reaches /v1/seller/ only.
    SELLER = "seller"


# Rank on the ladder; a channel key is not on it (rank 0 satisfies no role requirement).
_RANK = {Role.CHANNEL: 0, Role.SELLER: 0, Role.VIEWER: 1, Role.OPERATOR: 2, Role.ADMIN: 3}


class InvalidKeyRequest(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class MalformedKey(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's id, name (the actor recorded on what it does), role and channel."""

    key_id: str
    name: str
    role: Role
    channel: str | None = None

    def at_least(self, role: Role) -> bool:
        """True when this principal's role is ``role`` or above it on the ladder."""
        return _RANK[self.role] >= _RANK[role]

    def may_post_for(self, channel: str | None) -> bool:
        """A channel key for exactly this channel, or an operator or admin (who may post for any)."""
        if self.at_least(Role.OPERATOR):
            return True
        return self.role is Role.CHANNEL and channel is not None and self.channel == channel

    @property
    def seller_id(self) -> str | None:
        """The seller a seller key acts for (None for any other key)."""
        return self.channel if self.role is Role.SELLER else None

    @property
    def actor(self) -> str:
        """What is recorded as having acted: the key's name and its role ("olga (operator)"), so an
        entry says with what authority it was made, whatever the request body claims."""
        return f"{self.name} ({self.role.value})"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as stored: never its secret, only the secret's hash and a few visible characters."""

    id: str
    name: str
    role: Role
    channel: str | None
    secret_hash: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def principal(self) -> Principal:
        return Principal(self.id, self.name, self.role, self.channel)

    def matches(self, secret: str) -> bool:
        # Constant time: how much of a guess matched must not show in the response time.
        return hmac.compare_digest(self.secret_hash, hash_secret(secret))


@dataclass(frozen=True, slots=True)
class NewKey:
    """A key just made: ``token`` is shown once and then only its hash exists."""

    key: ApiKey
    token: str


def hash_secret(secret: str) -> str:
    """SHA-256 of the secret. It is 256 random bits, so a slow password hash would add nothing:
    there is no dictionary to try, and a fast hash keeps every request cheap."""
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidKeyRequest("role", f"{value!r} is not a role; use one of {allowed}") from None


def check_key_request(role: Role, channel: str | None, name: str) -> None:
    """A channel key needs its channel; other roles must not have one."""
    if role is Role.CHANNEL and not channel:
        raise InvalidKeyRequest("channel", "a channel key needs the channel it may post for")
    if role is Role.SELLER and not channel:
        raise InvalidKeyRequest("channel", "a seller key needs the seller's id (as its channel)")
    if role not in (Role.CHANNEL, Role.SELLER) and channel:
        raise InvalidKeyRequest("channel", f"only channel and seller keys have a channel, not {role.value} keys")
    if channel is not None and (len(channel) > MAX_CHANNEL or not channel.strip()):
        raise InvalidKeyRequest("channel", f"must be 1 to {MAX_CHANNEL} characters")
    if not name.strip() or len(name) > MAX_NAME:
        raise InvalidKeyRequest("name", f"must be 1 to {MAX_NAME} characters")


def make_key(key_id: str, name: str, role: Role, channel: str | None, now: datetime) -> NewKey:
    """A fresh key: ``ovt_<key id>_<32 random bytes, url-safe>``."""
    check_key_request(role, channel, name)
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    key = ApiKey(key_id, name.strip(), role, channel, hash_secret(secret), secret[:VISIBLE_CHARS], now)
    return NewKey(key, f"{KEY_MARK}_{key_id}_{secret}")


def split_token(token: str) -> tuple[str, str]:
    """The key id and the secret of a presented token, or MalformedKey."""
    mark, id_start = f"{KEY_MARK}_", len(KEY_MARK) + 1
    id_end = id_start + _ID_LENGTH
    if not token.startswith(mark) or len(token) <= id_end + 1 or token[id_end] != "_":
        raise MalformedKey("not an Overture key (ovt_<id>_<secret>)")
    key_id, secret = token[id_start:id_end], token[id_end + 1 :]
    if not key_id.startswith(f"{ID_PREFIX}_"):
        raise MalformedKey("not an Overture key (ovt_<id>_<secret>)")
    return key_id, secret
