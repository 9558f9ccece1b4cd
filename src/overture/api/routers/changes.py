"""The change log: who changed keys, rules, master data, settings and stock, when, and to what."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from overture.services import changes
from overture.web.bounds import MAX_ID
from overture.web.deps import ContainerDep, Limit
from overture.web.responses import Json

router = APIRouter(prefix="/v1", tags=["changes"])


@router.get("/changes")
async def list_changes(
    container: ContainerDep,
    limit: Limit = 50,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Changes older than this id (keyset paging)")
    ] = None,
    subject: Annotated[str | None, Query(max_length=255, description="One subject, e.g. key:<id>")] = None,
    subject_prefix: Annotated[
        str | None, Query(max_length=255, description='Subjects starting with this, e.g. "location:"')
    ] = None,
) -> Json:
    """Newest first, each with its actor (the signed-in key as "name (role)")."""
    found = await run_in_threadpool(
        partial(changes.recent, subject=subject, before=before, limit=limit, subject_prefix=subject_prefix),
        container.uow,
    )
    items = [
        {
            "id": c.id,
            "at": c.at.isoformat(),
            "actor": c.actor,
            "action": c.action,
            "subject": c.subject,
            "detail": dict(c.detail),
        }
        for c in found
    ]
    return Json({"items": items, "next_before": items[-1]["id"] if len(items) == limit else None})
