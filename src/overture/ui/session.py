"""Who is acting on the dashboard.

Every page and action depends on ``current_actor``: the name of the key signed in (the app-wide
``authorize`` dependency of web/auth.py has already found it, or sent a signed-out browser to
/signin), or one fixed actor when auth is off. ``can_act`` and ``csrf_token`` let the templates hide
actions a viewer may not take and send the session's CSRF token with every form and htmx request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from overture.domain.access import Role
from overture.web.auth import actor_of, current_principal

DASHBOARD_ACTOR = "dashboard"


def current_actor(request: Request) -> str:
    return actor_of(request) or DASHBOARD_ACTOR


def can_act(request: Request) -> bool:
    """Whether the caller may take dashboard actions (operator or above; anyone when auth is off)."""
    principal = current_principal(request)
    return principal is not None and principal.at_least(Role.OPERATOR)


def signed_in_name(request: Request) -> str:
    """The signed-in key's name, for the header (the role is shown beside it); the fixed actor when auth is off."""
    principal = current_principal(request) if actor_of(request) is not None else None
    return DASHBOARD_ACTOR if principal is None else principal.name


def signed_in_role(request: Request) -> str | None:
    """The signed-in key's role, for the header; None when auth is off (nobody signs in)."""
    if actor_of(request) is None:
        return None
    principal = current_principal(request)
    return None if principal is None else principal.role.value


def csrf_token(request: Request) -> str:
    """The session's CSRF token ("" when the caller has no session: auth off, or a key header)."""
    token: str = getattr(request.state, "csrf_token", "")
    return token


Actor = Annotated[str, Depends(current_actor)]
