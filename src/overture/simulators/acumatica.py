"""A simulated Acumatica ERP speaking its contract-based REST API (endpoint ``Default``), with faults.

Routes (operation names for ``POST /_faults`` in brackets)::

    POST /entity/auth/login    [login]   {"name", "password", "tenant"|"company", "branch"} -> 204 + cookies;
                                         500 "API Login Limit" once ``max_sessions`` sessions are open
    POST /entity/auth/logout   [logout]  -> 204, the session closed
    POST /identity/connect/token  [token]  OAuth 2.0, grant_type=password (form) -> {"access_token", ...};
                                         400 {"error": "invalid_client" | "invalid_grant"}
    GET  /entity/Default/<ver>/<Entity>[/<key>...]   [<Entity>.get]   $filter $select $expand $top $skip
    PUT  /entity/Default/<ver>/<Entity>              [<Entity>.put]   create, or update by id / key
    POST /entity/Default/<ver>/<Entity>/<Action>     [<Action>]       202 + Location
    GET  /entity/Default/<ver>/<Entity>/<Action>/status/<id>  [status]  202 ``action_polls`` times, then 204
    plus the control routes of :mod:`overture.simulators.common`, and
    GET  /_records             everything held, for tests
    POST /_sessions/expire     every open session ends (the next call answers 401)
    POST /_stock_items  {"InventoryID": "A", "DefaultPrice": 12.5, ...}   a stock item added or changed
                               as in Acumatica's screens (values kept as given, malformed ones too)
    POST /_lose  {"operation": "SalesOrder.put", "count": 1}   do the write, then answer 504 as a proxy
                               that gave up would: the document exists, its answer is lost

Drift is a fault like the others: ``{"operation": "SalesOrder.put", "rename_fields": {"OrderNbr":
"OrderNumber"}}`` answers that field under another name. Entity calls without a valid ``.ASPXAUTH``
cookie answer 401. A wrong endpoint version answers 404, so a connector pinned to another version
fails at once.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from overture.simulators.acumatica_query import QueryError, json_answer, page, render, where
from overture.simulators.acumatica_state import KEYS, Books, Refused, http_error
from overture.simulators.common import SimulatorCore, install_control_routes

SIM_USER = "admin"
SIM_PASSWORD = "123"
SIM_TENANT = "MyStore"
SIM_CLIENT_ID = "4D4E2B4E-2F0C-4C4B-8C3F-9A0A7A6C1D2E@MyStore"
SIM_CLIENT_SECRET = "overture-simulator-secret"
AUTH_COOKIE = ".ASPXAUTH"


@dataclass
class Sessions:
    limit: int
    open: dict[str, str] = field(default_factory=dict)  # cookie -> user
    opened: int = 0
    closed: int = 0

    def start(self, user: str) -> str:
        token = secrets.token_hex(16)
        self.open[token] = user
        self.opened += 1
        return token

    def end(self, token: str | None) -> None:
        if token is not None and self.open.pop(token, None) is not None:
            self.closed += 1


@dataclass
class Operations:
    """Running actions: each answers 202 to ``polls`` status reads, then 204."""

    polls: int
    left: dict[str, int] = field(default_factory=dict)

    def start(self) -> str:
        operation_id = str(uuid.uuid4())
        self.left[operation_id] = self.polls
        return operation_id

    def poll(self, operation_id: str) -> int:
        if operation_id not in self.left:
            return 404
        if self.left[operation_id] > 0:
            self.left[operation_id] -= 1
            return 202
        return 204


class Acumatica:
    def __init__(
        self, core: SimulatorCore, *, version: str, max_sessions: int, action_polls: int, books: Books
    ) -> None:
        self.core = core
        self.version = version
        self.sessions = Sessions(max_sessions)
        self.operations = Operations(action_polls)
        self.books = books
        self.credentials = {"name": SIM_USER, "password": SIM_PASSWORD}
        self.lose: dict[str, int] = {}
        self.tokens: set[str] = set()

    def token(self, form: dict[str, str]) -> Response:
        """The resource owner password credentials grant, as Acumatica's identity server answers it."""
        if form.get("client_id") != SIM_CLIENT_ID or form.get("client_secret") != SIM_CLIENT_SECRET:
            return json_answer({"error": "invalid_client"}, status=400)
        if form.get("grant_type") != "password":
            return json_answer({"error": "unsupported_grant_type"}, status=400)
        if form.get("username") != self.credentials["name"] or form.get("password") != self.credentials["password"]:
            refusal = {"error": "invalid_grant", "error_description": "invalid_username_or_password"}
            return json_answer(refusal, status=400)
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        scope = form.get("scope", "api")
        return json_answer({"access_token": token, "expires_in": 3600, "token_type": "Bearer", "scope": scope})

    def lost(self, operation: str) -> Response | None:
        """A 504 in place of the answer of a write that was done, while ``/_lose`` asks for it."""
        if self.lose.get(operation, 0) <= 0:
            return None
        self.lose[operation] -= 1
        return json_answer({"message": "The gateway timed out waiting for the server."}, status=504)

    def login(self, body: Any) -> Response:
        if not isinstance(body, dict) or "name" not in body:
            return json_answer({"message": "The request is invalid."}, status=400)
        if body.get("name") != self.credentials["name"] or body.get("password") != self.credentials["password"]:
            return json_answer(http_error("Invalid credentials. Please try again."), status=500)
        if len(self.sessions.open) >= self.sessions.limit:
            return json_answer(http_error("API Login Limit"), status=500)
        token = self.sessions.start(str(body["name"]))
        answer = Response(status_code=204)
        answer.set_cookie(AUTH_COOKIE, token, httponly=True, path="/")
        answer.set_cookie("ASP.NET_SessionId", secrets.token_hex(12), httponly=True, path="/")
        answer.set_cookie("UserBranch", str(body.get("branch") or "1"), path="/")
        answer.set_cookie("Locale", "Culture=en-US&TimeZone=GMTM0500G", path="/")
        return answer

    def signed_in(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme == "Bearer":
            return token in self.tokens
        return request.cookies.get(AUTH_COOKIE) in self.sessions.open

    def link(self, entity: str, record: dict[str, Any]) -> str:
        return f"/entity/Default/{self.version}/{entity}/{record['id']}"

    def _shown(self, entity: str, record: dict[str, Any], request: Request) -> dict[str, Any]:
        params = request.query_params
        link = self.link(entity, record)
        return render(record, self_link=link, expand=params.get("$expand"), select=params.get("$select"))

    def answer(self, entity: str, record: dict[str, Any], request: Request, *, operation: str) -> Response:
        return json_answer(self.core.faults.drifted(operation, self._shown(entity, record, request)))

    def listing(self, entity: str, request: Request, *, operation: str) -> Response:
        params = request.query_params
        chosen = [record for record in self.books.records[entity] if where(params.get("$filter"))(record)]
        paged = page(chosen, top=params.get("$top"), skip=params.get("$skip"))
        shown = [self._shown(entity, record, request) for record in paged]
        return json_answer(self.core.faults.drifted(operation, shown))


def _refusal(error: Refused) -> Response:
    return json_answer(error.body, status=error.status)


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        return None


def create_acumatica_app(
    *,
    version: str = "24.200.001",
    max_sessions: int = 2,
    action_polls: int = 1,
    items: Iterable[tuple[str, dict[str, int]]] = (),
    strict_items: bool = True,
    require_shipment: bool = False,
) -> FastAPI:
    """``items``: stock items with their quantity per warehouse. ``strict_items``: an unknown InventoryID
    is refused (as Acumatica does); off, it is added with no stock (the demo's catalogue is the hub's)."""
    core = SimulatorCore("acumatica")
    books = Books(require_shipment=require_shipment, strict_items=strict_items)
    for inventory_id, quantities in items:
        books.stock(inventory_id, quantities)
    erp = Acumatica(core, version=version, max_sessions=max_sessions, action_polls=action_polls, books=books)
    app = FastAPI(title="Overture Acumatica simulator")
    app.state.core, app.state.acumatica = core, erp
    _auth_routes(app, core, erp)
    _read_routes(app, core, erp)
    _write_routes(app, core, erp)
    _control_routes(app, erp)

    def reset() -> None:
        erp.books = Books(require_shipment=require_shipment, strict_items=strict_items)
        erp.sessions = Sessions(max_sessions)
        erp.operations = Operations(action_polls)
        erp.lose.clear()
        erp.tokens.clear()
        for inventory_id, quantities in items:
            erp.books.stock(inventory_id, quantities)

    install_control_routes(app, core, on_reset=reset, extra_stats=lambda: _session_stats(erp))
    return app


def _session_stats(erp: Acumatica) -> dict[str, Any]:
    return {"sessions": {"open": len(erp.sessions.open), "opened": erp.sessions.opened, "closed": erp.sessions.closed}}


def _auth_routes(app: FastAPI, core: SimulatorCore, erp: Acumatica) -> None:
    @app.post("/entity/auth/login")
    async def login(request: Request) -> Response:
        faulted = await core.guard(request, "login")
        return faulted or erp.login(await _body(request))

    @app.post("/identity/connect/token")
    async def token(request: Request) -> Response:
        faulted = await core.guard(request, "token")
        if faulted is not None:
            return faulted
        form = await request.form()
        return erp.token({name: str(value) for name, value in form.items()})

    @app.post("/entity/auth/logout")
    async def logout(request: Request) -> Response:
        faulted = await core.guard(request, "logout")
        if faulted is not None:
            return faulted
        erp.sessions.end(request.cookies.get(AUTH_COOKIE))
        return Response(status_code=204)


ROOT = "/entity/Default/{version}"


def _read_routes(app: FastAPI, core: SimulatorCore, erp: Acumatica) -> None:
    root = ROOT

    @app.get(root + "/{entity}/{action}/status/{operation_id}")
    async def status(request: Request, version: str, entity: str, action: str, operation_id: str) -> Response:
        refused = await _gate(request, core, erp, version, "status")
        if refused is not None:
            return refused
        code = erp.operations.poll(operation_id)
        if code == 404:
            return json_answer({"message": f"No operation {operation_id}."}, status=404)
        return Response(status_code=code)

    @app.get(root + "/{entity}")
    @app.get(root + "/{entity}/{keys:path}")
    async def read(request: Request, version: str, entity: str, keys: str = "") -> Response:
        operation = f"{entity}.get"
        refused = await _gate(request, core, erp, version, operation, entity=entity)
        if refused is not None:
            return refused
        try:
            if not keys:
                return erp.listing(entity, request, operation=operation)
            record = erp.books.find(entity, tuple(part for part in keys.split("/") if part))
        except QueryError as error:
            return json_answer({"message": str(error)}, status=400)
        if record is None:
            return json_answer({"message": f"No entity satisfies the condition ({keys})."}, status=404)
        return erp.answer(entity, record, request, operation=operation)


def _write_routes(app: FastAPI, core: SimulatorCore, erp: Acumatica) -> None:
    root = ROOT

    @app.put(root + "/{entity}")
    async def write(request: Request, version: str, entity: str) -> Response:
        operation = f"{entity}.put"
        refused = await _gate(request, core, erp, version, operation, entity=entity)
        if refused is not None:
            return refused
        body = await _body(request)
        if not isinstance(body, dict):
            return json_answer({"message": "The request body must be a record."}, status=400)
        try:
            record = erp.books.put(entity, body)
        except Refused as error:
            return _refusal(error)
        except ValueError as error:
            return json_answer(http_error(str(error)), status=500)
        return erp.lost(operation) or erp.answer(entity, record, request, operation=operation)

    @app.post(root + "/{entity}/{action}")
    async def act(request: Request, version: str, entity: str, action: str) -> Response:
        refused = await _gate(request, core, erp, version, action, entity=entity)
        if refused is not None:
            return refused
        body = await _body(request)
        record = body.get("entity") if isinstance(body, dict) else None
        if not isinstance(record, dict):
            return json_answer({"message": "The request must name the record in 'entity'."}, status=400)
        try:
            erp.books.act(entity, action, record)
        except Refused as error:
            return _refusal(error)
        location = f"/entity/Default/{version}/{entity}/{action}/status/{erp.operations.start()}"
        return erp.lost(action) or Response(status_code=202, headers={"Location": location})


async def _gate(
    request: Request, core: SimulatorCore, erp: Acumatica, version: str, operation: str, *, entity: str | None = None
) -> Response | None:
    """Faults first (as any call), then the version, the session and the entity."""
    faulted = await core.guard(request, operation)
    if faulted is not None:
        return faulted
    if version != erp.version:
        return json_answer({"message": f"No endpoint Default/{version}."}, status=404)
    if not erp.signed_in(request):
        return json_answer({"message": "You are not logged in."}, status=401)
    if entity is not None and entity not in KEYS:
        return json_answer({"message": f"No entity {entity} in Default/{version}."}, status=404)
    return None


def _control_routes(app: FastAPI, erp: Acumatica) -> None:
    @app.get("/_records")
    async def records() -> dict[str, Any]:
        return json.loads(json.dumps(erp.books.snapshot(), default=str))  # type: ignore[no-any-return]

    @app.post("/_lose")
    async def lose(order: dict[str, Any]) -> dict[str, int]:
        erp.lose[str(order["operation"])] = int(order.get("count", 1))
        return erp.lose

    @app.post("/_stock_items")
    async def edit_item(fields: dict[str, Any]) -> dict[str, Any]:
        return json.loads(json.dumps(erp.books.edit_item(fields), default=str))  # type: ignore[no-any-return]

    @app.post("/_sessions/expire")
    async def expire() -> dict[str, int]:
        ended = len(erp.sessions.open) + len(erp.tokens)
        erp.sessions.open.clear()
        erp.tokens.clear()
        return {"expired": ended}
