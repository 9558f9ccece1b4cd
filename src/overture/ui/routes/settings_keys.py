"""The API keys page (admin, as ``/v1/keys``): every key with its role, channel, creation, last use
and revocation; making one (its token shown once, in the answer, never again) and revoking one
(which ends the dashboard sessions it signed in), through services/access.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from overture.domain.access import Role
from overture.services.access import create_key, list_keys, revoke_key
from overture.services.errors import InvalidRequest, NotFound
from overture.ui.routes.common import fragment, page, page_router
from overture.ui.session import Actor
from overture.web.deps import ContainerDep

router = page_router()
Text = Annotated[str, Form(max_length=255)]


def _role(text: str) -> Role:
    try:
        return Role(text.strip())
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidRequest("role", f"{text.strip()!r} is not a role ({choices})") from None


@router.get("/settings/keys", response_class=HTMLResponse)
def keys_page(request: Request, container: ContainerDep) -> HTMLResponse:
    context = {"page": "settings", "keys": list_keys(container.uow), "roles": [r.value for r in Role]}
    return page(request, "settings_keys.html", context)


@router.post("/settings/keys", response_class=HTMLResponse)
def make_key(
    request: Request, container: ContainerDep, actor: Actor, name: Text = "", role: Text = "", channel: Text = ""
) -> HTMLResponse:
    """The new key's token, once, with the key list refreshed beside it; or the refusal named."""
    try:
        chosen = _role(role)
        made = create_key(
            container.uow,
            container.clock,
            role=chosen,
            name=name.strip() or None,
            channel=(channel.strip() or None) if chosen is Role.CHANNEL else None,
            actor=actor,
        )
    except InvalidRequest as error:
        return fragment(request, "_key_made.html", {"error": str(error)}, status_code=422)
    context = {"made": made, "keys": list_keys(container.uow)}
    return fragment(request, "_key_made.html", context, status_code=201)


@router.post("/settings/keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke(request: Request, key_id: str, container: ContainerDep, actor: Actor) -> HTMLResponse:
    try:
        key = revoke_key(container.uow, container.clock, key_id, actor=actor)
    except NotFound as error:
        return fragment(request, "_key_row.html", {"key": None, "error": str(error)}, status_code=404)
    return fragment(request, "_key_row.html", {"key": key, "revoked": True})
