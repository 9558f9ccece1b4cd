"""The simulated Amazon's side of access: Login with Amazon's token endpoint, the access tokens it
issued (each with its hour), and the Restricted Data Tokens the Tokens API issued (each for its paths).

Routes (operation names for ``POST /_faults`` in brackets)::

    POST /auth/o2/token   form grant_type=refresh_token&refresh_token&client_id&client_secret  [lwa_token]
                          -> {"access_token": "Atza|...", "token_type": "bearer", "expires_in": N}
                          errors -> 400 {"error": "invalid_grant" | "invalid_request" | "unsupported_grant_type",
                                         "error_description"}, 401 {"error": "invalid_client", ...}
    POST /tokens/2021-03-01/restrictedDataToken  {"restrictedResources": [{"method", "path"}]}
                          [createRestrictedDataToken] -> {"restrictedDataToken": "Atz.sprdt|...", "expiresIn": N}

``expire_all`` revokes every access token at once, as a seller re-authorising the app does, so a test
can watch a connector renew the token after SP-API's 403.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from overture.simulators.common import SimulatorCore

EXPIRED = "The access token you provided has expired."
DENIED = "Access to requested resource is denied."


@dataclass
class LwaAuthority:
    """The app's client and the seller's refresh token, and the tokens handed out for them."""

    client_id: str = "amzn1.application-oa2-client.simulator"
    client_secret: str = "simulator-secret"
    refresh_token: str = "Atzr|simulator-refresh-token"
    lifetime_s: int = 3600
    clock: Callable[[], float] = time.monotonic
    issued: dict[str, float] = field(default_factory=dict)  # access token -> when it lapses
    restricted: dict[str, tuple[float, frozenset[str]]] = field(default_factory=dict)  # RDT -> lapse, paths
    exchanges: int = 0
    # A simulator run on a fixed access token (or none) still issues RDTs: to that token (or to anyone).
    static_token: str | None = None
    open_access: bool = False

    def grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The token endpoint's answer to one form."""
        if form.get("grant_type") != "refresh_token":
            return 400, _lwa_error("unsupported_grant_type", "The authorization grant type is not supported")
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return 401, _lwa_error("invalid_client", "Client authentication failed")
        if not form.get("refresh_token"):
            return 400, _lwa_error("invalid_request", "The request is missing a required parameter : refresh_token")
        if form["refresh_token"] != self.refresh_token:
            return 400, _lwa_error("invalid_grant", "The request has an invalid grant parameter : refresh_token")
        token = "Atza|" + secrets.token_urlsafe(48)
        self.issued[token] = self.clock() + self.lifetime_s
        self.exchanges += 1
        return 200, {"access_token": token, "token_type": "bearer", "expires_in": self.lifetime_s}

    def check(self, token: str | None) -> str | None:
        """Why SP-API refuses this access token (403 details), or None when it may call."""
        if self.open_access or (self.static_token is not None and token == self.static_token):
            return None
        lapses = self.issued.get(token or "")
        if lapses is None:
            return DENIED
        return EXPIRED if self.clock() >= lapses else None

    def restricted_token(self, token: str | None, body: Any) -> tuple[int, dict[str, Any]]:
        refused = self.check(token)
        if refused:
            return 403, _sp_error("Unauthorized", DENIED, refused)
        resources = body.get("restrictedResources") if isinstance(body, dict) else None
        paths = [r.get("path") for r in resources or [] if isinstance(r, dict) and r.get("method") == "GET"]
        if not paths or not all(isinstance(p, str) and p.startswith("/") for p in paths):
            return 400, _sp_error(
                "InvalidRequest", "Request is missing or has invalid parameters", "Resource not provided."
            )
        rdt = "Atz.sprdt|" + secrets.token_urlsafe(32)
        self.restricted[rdt] = (self.clock() + self.lifetime_s, frozenset(str(p) for p in paths))
        return 200, {"restrictedDataToken": rdt, "expiresIn": self.lifetime_s}

    def allows(self, token: str | None, path: str) -> bool:
        """Whether ``token`` is an RDT, still valid, issued for ``path``."""
        found = self.restricted.get(token or "")
        return found is not None and self.clock() < found[0] and path in found[1]

    def expire_all(self) -> None:
        self.issued.clear()
        self.restricted.clear()


def install_auth_routes(app: FastAPI, core: SimulatorCore, authority: LwaAuthority) -> None:
    @app.post("/auth/o2/token")
    async def token(request: Request) -> Response:
        faulted = await core.guard(request, "lwa_token")
        if faulted is not None:
            return faulted
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        status, body = authority.grant(form)
        return JSONResponse(body, status_code=status)

    @app.post("/tokens/2021-03-01/restrictedDataToken")
    async def restricted(request: Request) -> Response:
        faulted = await core.guard(request, "createRestrictedDataToken")
        if faulted is not None:
            return faulted
        status, body = authority.restricted_token(request.headers.get("x-amz-access-token"), await request.json())
        return JSONResponse(body, status_code=status)

    @app.post("/_lwa/expire")
    async def expire() -> dict[str, int]:
        authority.expire_all()
        return {"exchanges": authority.exchanges}


def _lwa_error(code: str, description: str) -> dict[str, Any]:
    return {"error_description": description, "error": code}


def _sp_error(code: str, message: str, details: str) -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message, "details": details}]}
