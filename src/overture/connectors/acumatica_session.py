"""A signed-in session with Acumatica's contract-based REST API, under the connector's operations.

::

    POST /entity/auth/login   {"name", "password", "tenant", "branch"}  -> 204 + the .ASPXAUTH cookie (and others)
    POST /entity/auth/logout                                            -> 204, the session closed
    <any call> -> 401                                                    the session expired: sign in again, retry once
    POST /entity/auth/login   -> 500 "API Login Limit"                  every API seat of the license is taken
    POST /identity/connect/token  grant_type=password (OAuth 2.0)        -> {"access_token", "expires_in", ...}

The cookies of the sign-in are kept here and sent as this connector's ``Cookie`` header, so one
connector is one Acumatica session, whatever cookie jar the transport has. With an ``OAuthClient`` the
connector signs in by OAuth 2.0 instead (the resource owner password credentials flow, the one
Acumatica offers a server without a browser) and sends ``Authorization: Bearer``, renewed before it
lapses and once on a 401. Sessions are a licensed
resource (a trial has two), which is why ``aclose`` signs out.

Actions (``POST <entity>/<Action>`` with ``{"entity": ..., "parameters": ...}``) answer 202 with a
``Location`` to poll by GET until it answers 204; the poll is bounded (``max_polls``), and running
out of polls is retryable: the retried step finds the document the action made.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from overture.connectors.acumatica_wire import Accepted, AccessToken, ActionStatus, error_message, is_login_limit
from overture.connectors.http import ConnectorConfig, HttpConnector
from overture.services.ports.connector_errors import (
    ConnectorError,
    PermanentConnectorError,
    RetryableConnectorError,
)

M = TypeVar("M", bound=BaseModel)
DEFAULT_VERSION = "24.200.001"
LOGIN_LIMIT_RETRY_S = 60.0  # a seat frees when another session signs out or times out
TOKEN_MARGIN_S = 60  # a token this close to lapsing is renewed before use


@dataclass(frozen=True)
class OAuthClient:
    """A client application registered in Acumatica (Connected Applications, SM303010) for the
    resource owner password credentials flow: its id (``<guid>@<tenant>``) and secret."""

    client_id: str
    client_secret: str
    scope: str = "api"


class AcumaticaSession(HttpConnector):
    def __init__(
        self,
        config: ConnectorConfig,
        *,
        username: str,
        password: str,
        tenant: str = "",
        branch: str = "",
        endpoint_version: str = DEFAULT_VERSION,
        oauth: OAuthClient | None = None,
        poll_interval_s: float = 0.5,
        max_polls: int = 120,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(config, transport=transport, headers={"Accept": "application/json"})
        self._credentials = {"name": username, "password": password}
        if tenant:
            self._credentials["tenant"] = tenant
        if branch:
            self._credentials["branch"] = branch
        self._oauth = oauth
        self.entity_root = f"/entity/Default/{endpoint_version}"
        self._poll_interval_s = poll_interval_s
        self._max_polls = max_polls
        self._cookies: dict[str, str] = {}
        self._proof: dict[str, str] = {}  # the header that carries the session: Cookie, or a bearer token
        self._expires_at = float("inf")
        self._login_lock = asyncio.Lock()

    @property
    def signed_in(self) -> bool:
        return bool(self._proof)

    async def login(self) -> None:
        """Sign in (again): the new session's cookies, or access token, replace any earlier ones."""
        self._proof, self._cookies = {}, {}
        if self._oauth is not None:
            await self._token(self._oauth)
            return
        await self._call("POST", "/entity/auth/login", json=self._credentials, operation="login")
        if not self._cookies:
            raise self._malformed("login", "sign-in answered without a session cookie")
        self._proof = {"Cookie": "; ".join(f"{name}={value}" for name, value in self._cookies.items())}

    async def _token(self, client: OAuthClient) -> None:
        """An access token by the resource owner password credentials flow (``/identity/connect/token``)."""
        form = [
            ("grant_type", "password"),
            ("client_id", client.client_id),
            ("client_secret", client.client_secret),
            ("username", self._credentials["name"]),
            ("password", self._credentials["password"]),
            ("scope", client.scope),
        ]
        token = await self._read(AccessToken, "POST", "/identity/connect/token", form=form, operation="login")
        self._proof = {"Authorization": f"{token.token_type} {token.access_token}"}
        self._expires_at = time.monotonic() + max(0, token.expires_in - TOKEN_MARGIN_S)

    async def logout(self) -> None:
        """Close a cookie session, freeing its API seat (a token is dropped: it lapses on its own)."""
        if not self._cookies:
            self._proof = {}
            return
        try:
            await self._call("POST", "/entity/auth/logout", operation="logout", headers=self._proof)
        finally:
            self._proof, self._cookies = {}, {}

    async def aclose(self) -> None:
        try:
            await self.logout()
        except ConnectorError:
            pass  # closing anyway: the session times out on its own
        finally:
            await super().aclose()

    async def _ensure_login(self) -> None:
        async with self._login_lock:
            if not self._proof or time.monotonic() >= self._expires_at:
                await self.login()

    async def _relogin(self, stale: dict[str, str]) -> None:
        async with self._login_lock:
            if self._proof == stale:  # a concurrent call may have signed in already
                await self.login()

    async def _signed(
        self,
        model: type[M],
        method: str,
        path: str,
        *,
        operation: str,
        json: Any = None,
        params: dict[str, str | int] | None = None,
    ) -> M:
        """One call in the session, read as ``model``; a 401 (expired session) signs in again once."""
        await self._ensure_login()
        used = dict(self._proof)
        try:
            return await self._read(model, method, path, operation=operation, json=json, params=params, headers=used)
        except PermanentConnectorError as error:
            if error.status != 401:
                raise
        await self._relogin(used)
        return await self._read(
            model, method, path, operation=operation, json=json, params=params, headers=dict(self._proof)
        )

    def entity(self, name: str) -> str:
        return f"{self.entity_root}/{name}"

    async def read(self, model: type[M], entity: str, *, operation: str, params: dict[str, str | int]) -> M:
        """``GET`` an entity's records in the session (for readers beside the port's writes)."""
        return await self._signed(model, "GET", self.entity(entity), operation=operation, params=params)

    async def write(self, model: type[M], entity: str, record: dict[str, Any], *, operation: str) -> M:
        """``PUT`` a record of an entity in the session: created, or updated when its key exists."""
        return await self._signed(model, "PUT", self.entity(entity), operation=operation, json=record)

    async def run_action(self, entity: str, action: str, record: dict[str, Any], *, operation: str) -> None:
        """Invoke an action on a record and wait, polling its Location, until it has finished."""
        body = {"entity": record, "parameters": {}}
        answer = await self._signed(Accepted, "POST", self.entity(f"{entity}/{action}"), operation=operation, json=body)
        if answer.status != 202:
            return
        if not answer.location:
            raise self._malformed(operation, f"{action} answered 202 without a Location to poll")
        await self._poll(str(self._client.base_url.join(answer.location)), action, operation)

    async def _poll(self, url: str, action: str, operation: str) -> None:
        for _ in range(self._max_polls):
            await asyncio.sleep(self._poll_interval_s)
            status = await self._signed(ActionStatus, "GET", url, operation=f"{operation}:status")
            if status.status != 202:
                return
        raise self._error(
            RetryableConnectorError,
            operation,
            f"{action} still running after {self._max_polls} polls of its status; a retry finds what it made",
        )

    def _decode(self, response: httpx.Response, operation: str) -> dict[str, Any]:
        """As the base class, and: a sign-in's cookies kept, an empty answer read as its status and
        Location (an action's 202/204), a JSON array read as ``{"records": [...]}``."""
        status = response.status_code
        if status >= 400:
            return super()._decode(response, operation)
        if operation == "login":
            self._cookies = _cookies_of(response)
        if not response.content:
            self.stats.last_success_at = datetime.now(UTC)
            return {"status": status, "location": response.headers.get("Location", "")}
        try:
            data = response.json()
        except ValueError:
            return super()._decode(response, operation)
        if isinstance(data, list):
            self.stats.last_success_at = datetime.now(UTC)
            return {"records": data}
        return super()._decode(response, operation)

    def _status_error(self, response: httpx.Response, operation: str) -> ConnectorError:
        """As the base class, the message being what Acumatica said (each refused field by name);
        a sign-in refused for want of an API seat is retryable later."""
        error = super()._status_error(response, operation)
        try:
            body = response.json()
        except ValueError:
            return error
        said = error_message(body)
        if operation == "login" and is_login_limit(body):
            message = f"API Login Limit: every API session of the license is in use ({said})"
            return RetryableConnectorError(
                message, connector=self.name, operation=operation, status=error.status, retry_after=LOGIN_LIMIT_RETRY_S
            )
        if operation == "login" and ("invalid credentials" in said.lower() or "invalid_grant" in said):
            message = f"sign-in refused: {said} (check the username, password and tenant)"
            return PermanentConnectorError(message, connector=self.name, operation=operation, status=error.status)
        if said:
            error.message = f"{response.reason_phrase or 'error'}: {said}"
        return error


def _cookies_of(response: httpx.Response) -> dict[str, str]:
    """The cookies a response sets, by name (read from its Set-Cookie headers, whatever their domain)."""
    cookies: dict[str, str] = {}
    for header in response.headers.get_list("set-cookie"):
        pair = header.split(";", 1)[0]
        name, _, value = pair.partition("=")
        if name.strip():
            cookies[name.strip()] = value.strip()
    return cookies
