"""What every dashboard page shares: the templates, whole-page and fragment rendering, the session
fields each template gets, and the guarded router each page module starts from."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from overture.bootstrap import Container
from overture.ui.formatting import money, thousands
from overture.ui.session import can_act, csrf_token, current_actor, signed_in_name, signed_in_role

HERE = Path(__file__).resolve().parent.parent  # ui/, where templates/ and static/ are
STATIC = HERE / "static"
HTMX_FILE = "vendor/htmx.min.js"

templates = Jinja2Templates(directory=HERE / "templates")


def duration(seconds: float | None) -> str:
    """Seconds as the largest sensible unit: 45 s, 12.5 min, 3.2 h, 2.1 d."""
    if seconds is None:
        return "–"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


templates.env.filters["duration"] = duration
templates.env.filters["thousands"] = thousands
templates.env.filters["money"] = money


def page_router() -> APIRouter:
    """A page module's router: every route behind ``current_actor`` and out of the OpenAPI schema."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(current_actor)])


def now(container: Container) -> datetime:
    return container.clock()


def _htmx_missing(request: Request) -> bool:
    vendor: Path = getattr(request.app.state, "ui_static_dir", STATIC)
    return not (vendor / HTMX_FILE).is_file()


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    if _htmx_missing(request):
        # Without htmx filters, bulk actions and refreshes do nothing: say how to fix it instead.
        return templates.TemplateResponse(request, "missing_htmx.html", {"file": HTMX_FILE}, status_code=503)
    return templates.TemplateResponse(request, name, _with_session(request, context), status_code=status_code)


def fragment(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, _with_session(request, context), status_code=status_code)


def _with_session(request: Request, context: dict[str, Any]) -> dict[str, Any]:
    # Who is signed in (the header), whether to show actions (viewers see none), and the CSRF token
    # that base.html sends with every htmx request and forms carry as a hidden field.
    context.setdefault("actor", current_actor(request))  # as recorded: "name (role)"
    context.setdefault("signed_in", signed_in_name(request))  # the header shows the role beside it
    context.setdefault("role", signed_in_role(request))
    context.setdefault("can_act", can_act(request))
    context.setdefault("csrf_token", csrf_token(request))
    return context


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"
