"""Who changed what: every change to keys, rules, master data, settings and stock is recorded with
its actor, in the transaction that makes it (``overture.services.ports.changes``).

The actor is who is signed in ("name (role)", from the API or the dashboard), "cli (<os user>)"
for the command line (cli/common.py), or ``SYSTEM`` for what no person asked for (the hub's own keys, seeding). A bulk
change is one record, listing at most ``LISTED`` of its items (the inventory ledger keeps every
movement)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from overture.services.ports import UnitOfWork, UnitOfWorkFactory
from overture.services.ports.changes import Change

T = TypeVar("T")
SYSTEM = "system"
LISTED = 100


def record(uow: UnitOfWork, at: datetime, actor: str, action: str, subject: str, **detail: Any) -> None:
    uow.changes.add([Change(at, actor, action, subject, detail)])


def listed(items: Sequence[T], describe: Callable[[T], Mapping[str, Any]]) -> dict[str, Any]:
    """A bulk change's items for its record: how many, and the first ``LISTED`` of them described
    (a million-SKU upsert is not copied into its record)."""
    return {"count": len(items), "items": [describe(item) for item in items[:LISTED]]}


def recent(
    uow_factory: UnitOfWorkFactory,
    *,
    subject: str | None = None,
    before: int | None = None,
    limit: int = 50,
    subject_prefix: str | None = None,
) -> list[Change]:
    """The change log, newest first (one subject's history with ``subject``; the subjects starting
    with ``subject_prefix``, e.g. "location:", with it); ``before``: older than that id."""
    with uow_factory(readonly=True) as uow:
        return uow.changes.recent(subject=subject, before=before, limit=limit, subject_prefix=subject_prefix)
