"""API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from overture.domain.access import ApiKey


class KeyRepository(Protocol):
    """API keys (only hashes of their secrets) and the hub's signing secrets."""

    def add(self, key: ApiKey) -> None: ...

    def get(self, key_id: str) -> ApiKey | None: ...

    def list(self, *, include_revoked: bool = True) -> list[ApiKey]: ...

    def revoke(self, key_id: str, at: datetime) -> bool: ...

    def touch(self, key_id: str, at: datetime) -> None: ...

    def secret(self, name: str, at: datetime) -> str: ...
