"""The change log page (admin, as ``GET /v1/changes``: it names every key): newest first, paged by
id, filtered by subject prefix, each entry's changed fields before and after side by side."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from overture.services import changes
from overture.ui.routes.common import page, page_router, templates
from overture.web.deps import ContainerDep

router = page_router()
PAGE = 50
SHOWN_CHARS = 200


def change_value(value: object) -> str:
    """A recorded value as a person reads it: "–" for none, lists and objects as compact JSON, cut short."""
    if value is None:
        return "–"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


templates.env.filters["change_value"] = change_value


@router.get("/settings/changes", response_class=HTMLResponse)
def change_log(
    request: Request,
    container: ContainerDep,
    subject: Annotated[str, Query(max_length=255)] = "",
    before: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    prefix = subject.strip() or None
    entries = changes.recent(container.uow, subject_prefix=prefix, before=before, limit=PAGE)
    context = {
        "page": "settings",
        "entries": entries,
        "subject": subject.strip(),
        "next_before": entries[-1].id if len(entries) == PAGE else None,
        "before": before,
    }
    return page(request, "settings_changes.html", context)
