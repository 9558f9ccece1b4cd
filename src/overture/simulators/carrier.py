"""A simulated EasyPost (the v2 shipments API) selling return labels, with faults.

Routes (operation names for ``POST /_faults`` and ``GET /_stats`` in brackets)::

    POST /v2/shipments           [create_shipment]    -> 201 Shipment with three rates (USPS, UPS, FedEx)
    POST /v2/shipments/{id}/buy  [buy_shipment]       -> 200 Shipment with tracking_code, postage_label, selected_rate
    GET  /v2/shipments/{id}      [retrieve_shipment]  -> 200 Shipment (by id, or by reference as EasyPost allows)
    GET  /_records               the bought labels, for tests
    POST /_track                 a signed tracking Event sent to the hub (simulators/carrier_events.py)
    plus the control routes of :mod:`overture.simulators.common`.

Every route wants HTTP Basic auth with the simulator's API key as username (401 otherwise). Errors
are EasyPost's shape, ``{"error": {"code", "message", "errors": [{"field", "message", "suggestion"}]}}``:
an address without ``zip`` or ``country`` is 422 ``ADDRESS.VERIFY.FAILURE`` (the code of EasyPost's
documented example); the other codes (``APIKEY.REQUIRED``, ``PARAMETER.INVALID``, ``NOT_FOUND``,
``SHIPMENT.POSTAGE.EXISTS``, ``SHIPMENT.RATE.INVALID``) follow EasyPost's naming but are ours.

Unlike EasyPost, the simulator dedupes creation by ``reference`` (how the connector makes a label
idempotent, see :mod:`overture.connectors.easypost`): a reference seen before answers 200 with the
shipment it made, bought or not, and 409 if the body differs. Faults answer before anything is
recorded, as in :class:`~overture.simulators.common.SimulatorCore`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from decimal import ROUND_CEILING, Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from overture.simulators.carrier_events import install_tracking_routes
from overture.simulators.common import SimulatorCore, install_control_routes

SIMULATOR_API_KEY = "EZTK_simulator"
# Carrier, service, base price and price per started pound: USPS is the cheapest at every weight.
RATE_CARD = (
    ("USPS", "GroundAdvantage", Decimal("5.93"), Decimal("0.85")),
    ("UPS", "Ground", Decimal("9.15"), Decimal("1.10")),
    ("FedEx", "FEDEX_GROUND", Decimal("10.40"), Decimal("1.05")),
)
_REQUIRED_ADDRESS = ("zip", "country")
_Answer = tuple[int, dict[str, Any]]


class EasyPostError(Exception):
    """An answer in EasyPost's error shape; nothing is recorded."""

    def __init__(self, status: int, code: str, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"code": code, "message": message, "errors": errors or []}}


def _field_error(field: str, message: str) -> dict[str, Any]:
    return {"field": field, "message": message, "suggestion": None}


def check_shipment(body: Any) -> dict[str, Any]:
    """The ``shipment`` object of a create request, or the 422 naming each missing field."""
    shipment = body.get("shipment") if isinstance(body, dict) else None
    if not isinstance(shipment, dict):
        raise EasyPostError(422, "PARAMETER.REQUIRED", "Missing required parameter: shipment.")
    address_errors = [
        _field_error(f"{side}.{key}", f"{key} is required")
        for side in ("to_address", "from_address")
        for key in _REQUIRED_ADDRESS
        if not isinstance(shipment.get(side), dict) or not shipment[side].get(key)
    ]
    if address_errors:
        raise EasyPostError(422, "ADDRESS.VERIFY.FAILURE", "Unable to verify address.", address_errors)
    parcel = shipment.get("parcel")
    weight = parcel.get("weight") if isinstance(parcel, dict) else None
    if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
        message = "weight must be a positive number of ounces"
        raise EasyPostError(422, "PARAMETER.INVALID", "Invalid parcel.", [_field_error("parcel.weight", message)])
    return shipment


class Shipments:
    """What the simulated EasyPost account holds: shipments by id, their references, bought labels."""

    def __init__(self) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}
        self._by_reference: dict[str, tuple[str, str]] = {}  # reference -> (shipment id, body fingerprint)
        self.labels: list[dict[str, Any]] = []

    def create(self, body: Any) -> tuple[int, dict[str, Any]]:
        """201 and a new shipment, or 200 and the one an earlier call with this reference made."""
        shipment = check_shipment(body)
        reference = shipment.get("reference")
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        if isinstance(reference, str) and reference in self._by_reference:
            shipment_id, seen = self._by_reference[reference]
            if seen != fingerprint:
                message = f"reference {reference!r} was used with a different shipment"
                raise EasyPostError(409, "SHIPMENT.REFERENCE.CONFLICT", message)
            return 200, self.by_id[shipment_id]
        shipment_id = _new_id("shp")
        made = {
            "id": shipment_id,
            "object": "Shipment",
            "mode": "test",
            "reference": reference,
            "is_return": bool(shipment.get("is_return")),
            "to_address": shipment["to_address"],
            "from_address": shipment["from_address"],
            "parcel": {"object": "Parcel", "weight": shipment["parcel"]["weight"]},
            "options": shipment.get("options") or {},
            "rates": _rates(shipment_id, Decimal(str(shipment["parcel"]["weight"]))),
            "selected_rate": None,
            "postage_label": None,
            "tracking_code": None,
            "status": "unknown",
            "messages": [],
        }
        self.by_id[shipment_id] = made
        if isinstance(reference, str) and reference:
            self._by_reference[reference] = (shipment_id, fingerprint)
        return 201, made

    def buy(self, shipment_id: str, body: Any) -> dict[str, Any]:
        shipment = self.find(shipment_id)
        if shipment["postage_label"] is not None:
            raise EasyPostError(422, "SHIPMENT.POSTAGE.EXISTS", "Shipment already has postage.")
        rate = body.get("rate") if isinstance(body, dict) else None
        rate_id = rate.get("id") if isinstance(rate, dict) else None
        chosen = next((r for r in shipment["rates"] if r["id"] == rate_id), None)
        if chosen is None:
            errors = [_field_error("rate.id", f"no rate {rate_id!r} on {shipment_id}")]
            raise EasyPostError(422, "SHIPMENT.RATE.INVALID", "Rate is not one of this shipment's.", errors)
        label_id = _new_id("pl")
        shipment["selected_rate"] = chosen
        shipment["tracking_code"] = _tracking_code(chosen["carrier"], len(self.labels) + 1)
        shipment["postage_label"] = {
            "object": "PostageLabel",
            "id": label_id,
            "label_file_type": "image/png",
            "label_size": "4x6",
            "label_url": f"https://labels.simulator.invalid/postage_label/{label_id}.png",
        }
        self.labels.append(_record(shipment))
        return shipment

    def find(self, key: str) -> dict[str, Any]:
        """By id, else by reference (EasyPost lets a reference stand in for an id)."""
        shipment_id = key if key in self.by_id else self._by_reference.get(key, ("", ""))[0]
        if shipment_id not in self.by_id:
            raise EasyPostError(404, "NOT_FOUND", f"The requested resource could not be found: {key}")
        return self.by_id[shipment_id]

    def records(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "shipments": len(self.by_id)}

    def reset(self) -> None:
        self.by_id.clear()
        self._by_reference.clear()
        self.labels.clear()


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _rates(shipment_id: str, weight_oz: Decimal) -> list[dict[str, Any]]:
    pounds = max((weight_oz / 16).to_integral_value(rounding=ROUND_CEILING), Decimal(1))  # started pounds
    return [
        {
            "id": _new_id("rate"),
            "object": "Rate",
            "mode": "test",
            "carrier": carrier,
            "service": service,
            "rate": str((base + per_pound * pounds).quantize(Decimal("0.01"))),
            "currency": "USD",
            "shipment_id": shipment_id,
        }
        for carrier, service, base, per_pound in RATE_CARD
    ]


def _tracking_code(carrier: str, n: int) -> str:
    if carrier == "UPS":
        return f"1ZSIM{n:013d}"
    if carrier == "FedEx":
        return f"{n:012d}"
    return f"9400100000000{n:09d}"


def _record(shipment: dict[str, Any]) -> dict[str, Any]:
    rate = shipment["selected_rate"]
    return {
        "shipment_id": shipment["id"],
        "reference": shipment["reference"],
        "tracking_code": shipment["tracking_code"],
        "label_url": shipment["postage_label"]["label_url"],
        "carrier": rate["carrier"],
        "service": rate["service"],
        "rate": rate["rate"],
        "currency": rate["currency"],
        "options": shipment["options"],
    }


def authorized(request: Request, api_key: str) -> bool:
    """HTTP Basic auth with the API key as username, as EasyPost takes it (the password is ignored)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        username = base64.b64decode(token, validate=True).decode().partition(":")[0]
    except (ValueError, UnicodeDecodeError):
        return False
    return username == api_key


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"{}")
    except ValueError:
        raise EasyPostError(400, "PARAMETER.INVALID", "The body is not JSON.") from None


def create_carrier_app(
    *, api_key: str = SIMULATOR_API_KEY, webhook_url: str | None = None, webhook_secret: str | None = None
) -> FastAPI:
    """The simulator; ``webhook_url`` and ``webhook_secret``: where ``POST /_track`` sends tracking events."""
    core = SimulatorCore("carrier")
    shipments = Shipments()
    app = FastAPI(title="Overture carrier (EasyPost) simulator")
    app.state.core = core
    app.state.shipments = shipments

    async def answer(request: Request, operation: str, work: Callable[[], Awaitable[_Answer]]) -> Response:
        """Auth, then the fault plan, then the work; an EasyPostError is the answer, recording nothing."""
        if not authorized(request, api_key):
            return JSONResponse(EasyPostError(401, "APIKEY.REQUIRED", "Invalid or missing API key.").body, 401)
        faulted = await core.guard(request, operation)
        if faulted is not None:
            return faulted
        try:
            status, result = await work()
        except EasyPostError as error:
            return JSONResponse(error.body, status_code=error.status)
        if status == 201 or operation == "buy_shipment":  # a repeated reference records nothing new
            core.ledger.remember(operation, None, "", result)
        return JSONResponse(result, status_code=status)

    @app.post("/v2/shipments")
    async def create(request: Request) -> Response:
        async def work() -> _Answer:
            return shipments.create(await _body(request))

        return await answer(request, "create_shipment", work)

    @app.post("/v2/shipments/{shipment_id}/buy")
    async def buy(shipment_id: str, request: Request) -> Response:
        async def work() -> _Answer:
            return 200, shipments.buy(shipment_id, await _body(request))

        return await answer(request, "buy_shipment", work)

    @app.get("/v2/shipments/{shipment_id}")
    async def retrieve(shipment_id: str, request: Request) -> Response:
        async def work() -> _Answer:
            return 200, shipments.find(shipment_id)

        return await answer(request, "retrieve_shipment", work)

    @app.get("/_records")
    async def records() -> dict[str, Any]:
        return shipments.records()

    install_control_routes(app, core, on_reset=shipments.reset)
    install_tracking_routes(app, webhook_url=webhook_url, webhook_secret=webhook_secret)
    return app
