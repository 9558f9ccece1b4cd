"""The change log's port: who changed what, written in the transaction of the change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Change:
    at: datetime
    actor: str  # the signed-in key as "name (role)", or what the caller is ("cli", "system", ...)
    action: str  # e.g. "key.created", "rules.put", "inventory.adjusted"
    subject: str  # what changed: "key:<id>", "rules:channel:web", "sku:A@EWR", ...
    detail: Mapping[str, Any] = field(default_factory=dict)  # the new values (and the old where it matters)
    id: int | None = None


class ChangeLog(Protocol):
    def add(self, changes: Sequence[Change]) -> None: ...

    def recent(
        self,
        *,
        subject: str | None = None,
        before: int | None = None,
        limit: int = 50,
        subject_prefix: str | None = None,
    ) -> list[Change]:
        """Newest first; ``before``: ids below it (keyset paging); ``subject``: one subject's history;
        ``subject_prefix``: the subjects starting with it ("location:", "key:", "rules:channel:")."""
        ...
