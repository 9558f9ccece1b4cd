"""Every human action in the audit log: each POST, PUT, PATCH or DELETE a person makes (a viewer's,
operator's, admin's or seller's key, or a dashboard session) is one ``request.<method>`` record in the
change log with who, when, the route, its parameters and the answer's status, refused ones included.

The use cases record what they change, with before and after (``services/changes.py``); this is the
trail that nothing a person asked for escapes, whichever route it went through. Channel keys and
signed webhooks are systems, not people: their messages are kept raw in the inbound store instead.
Bodies are not copied (they may hold personal data and secrets); the route and its ids say what was
acted on. The record is written after the answer is sent, so it never delays nor fails the request;
a record that cannot be written is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from overture.bootstrap import Container
from overture.domain.access import Principal, Role
from overture.services import changes
from overture.services.retry import in_transaction

log = logging.getLogger(__name__)
ACTIONS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PEOPLE = frozenset({Role.VIEWER, Role.OPERATOR, Role.ADMIN, Role.SELLER})


class AuditTrail:
    def __init__(self, app: ASGIApp, container: Container) -> None:
        self.app, self.container = app, container

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ACTIONS:
            await self.app(scope, receive, send)
            return
        status = 0

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watched)
        principal = scope.get("state", {}).get("principal")
        if isinstance(principal, Principal) and principal.role in PEOPLE and principal.key_id != "local":
            await self._record(scope, principal, status)

    async def _record(self, scope: Scope, principal: Principal, status: int) -> None:
        route = scope.get("route")
        template = str(getattr(route, "path_format", None) or scope["path"])
        detail: dict[str, Any] = {"method": scope["method"], "route": template, "status": status}
        detail["params"] = {k: str(v)[:200] for k, v in scope.get("path_params", {}).items()}
        clock, subject = self.container.clock, f"route:{template}"

        def work(uow: Any) -> None:
            changes.record(uow, clock(), principal.actor, f"request.{scope['method'].lower()}", subject, **detail)

        try:
            await run_in_threadpool(in_transaction, self.container.uow, work)
        except Exception:  # the action is done and answered: say the trail missed it, do not raise
            log.exception("could not record %s %s by %s in the audit log", scope["method"], template, principal.actor)


def install_audit_trail(app: FastAPI, container: Container) -> None:
    """Install inside the throttle (a refused flood is no action) and outside routing (it reads the route)."""
    app.add_middleware(AuditTrail, container=container)
