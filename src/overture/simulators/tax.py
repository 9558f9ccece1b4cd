"""A simulated AvaTax (REST v2): transactions priced from a rate table by state, committed ones kept.

Routes (operation names for ``POST /_faults`` and ``GET /_stats`` in brackets)::

    POST /api/v2/transactions/create          [createTransaction]         a SalesOrder: priced, not kept
    POST /api/v2/transactions/createoradjust  [createOrAdjustTransaction] {"createTransactionModel": ...}
    GET  /_transactions   the committed transactions (code, type, version, totalTax) and adjustments
    plus the control routes of :mod:`overture.simulators.common`.

As AvaTax: Basic auth with the account id and licence key (401 ``AuthenticationException``
otherwise); errors ``{"error": {"code", "message", "target", "details": [...]}}`` (400
``MissingAddress``, ``MissingLine``, ``CompanyNotFound``, ``InvalidDocumentType``); amounts as JSON
numbers; each line's tax split in ``details`` by jurisdiction (state, county, city, special) with
``jurisName`` and ``rate``; the answer's ``lines[].lineNumber`` echo the request's ``number``. Rates
come from ``RATES`` by US state (``DEFAULT_RATES``: CA, NY, WA, TX), 0 elsewhere (no nexus).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from overture.simulators.common import SimulatorCore, install_control_routes

Jurisdictions = tuple[tuple[str, str, Decimal], ...]  # (jurisType, jurisName, rate)
DEFAULT_RATES: dict[str, Jurisdictions] = {
    "CA": (
        ("STA", "CALIFORNIA", Decimal("0.06")),
        ("CTY", "ORANGE", Decimal("0.0025")),
        ("STJ", "CA SPECIAL", Decimal("0.015")),
    ),
    "NY": (
        ("STA", "NEW YORK", Decimal("0.04")),
        ("CIT", "NEW YORK CITY", Decimal("0.045")),
        ("STJ", "MCTD", Decimal("0.00375")),
    ),
    "WA": (("STA", "WASHINGTON", Decimal("0.065")), ("CIT", "SEATTLE", Decimal("0.0385"))),
    "TX": (("STA", "TEXAS", Decimal("0.0625")), ("CIT", "AUSTIN", Decimal("0.02"))),
}
KINDS = {"SalesOrder", "SalesInvoice", "ReturnOrder", "ReturnInvoice"}
_CENT = Decimal("0.01")


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str, target: str = "IncorrectData") -> None:
        super().__init__(message)
        self.status, self.code, self.target = status, code, target


@dataclass
class Books:
    """The simulated company's committed transactions, by (code, type)."""

    companies: frozenset[str]
    rates: dict[str, Jurisdictions]
    kept: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    adjustments: int = 0
    next_id: int = 1000

    def price(self, model: Any) -> dict[str, Any]:
        kind, address, lines = _checked(model, self.companies)
        region = str(address.get("region", "")).upper() if str(address.get("country", "US")).upper() == "US" else ""
        jurisdictions = self.rates.get(region, ())
        self.next_id += 1
        priced = [_line(line, jurisdictions) for line in lines]
        total = sum((Decimal(str(x["tax"])) for x in priced), Decimal(0))
        return {
            "id": self.next_id,
            "code": str(model.get("code") or f"auto-{self.next_id}"),
            "companyId": 1,
            "date": model.get("date"),
            "status": "Committed" if model.get("commit") else ("Temporary" if kind == "SalesOrder" else "Saved"),
            "type": kind,
            "currencyCode": model.get("currencyCode", "USD"),
            "customerCode": model.get("customerCode"),
            "totalAmount": float(sum((Decimal(str(x["lineAmount"])) for x in priced), Decimal(0))),
            "totalTax": float(total),
            "totalTaxCalculated": float(total),
            "version": 1,
            "lines": priced,
        }

    def keep(self, answer: dict[str, Any]) -> dict[str, Any]:
        key = (answer["code"], answer["type"])
        earlier = self.kept.get(key)
        if earlier is not None:
            self.adjustments += 1
            answer = {**answer, "id": earlier["id"], "version": earlier["version"] + 1, "adjustmentReason": "Other"}
        self.kept[key] = answer
        return answer


def _checked(model: Any, companies: frozenset[str]) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    if not isinstance(model, dict):
        raise Refused(400, "ModelRequiredException", "A model is required for this object.")
    if model.get("companyCode") not in companies:
        raise Refused(400, "CompanyNotFound", f"The company '{model.get('companyCode')}' was not found.")
    kind = str(model.get("type") or "SalesOrder")
    if kind not in KINDS:
        raise Refused(400, "InvalidDocumentType", f"The document type '{kind}' is not valid.")
    addresses = model.get("addresses") or {}
    address = addresses.get("singleLocation") or addresses.get("shipTo") if isinstance(addresses, dict) else None
    if not isinstance(address, dict) or not (address.get("postalCode") or address.get("region")):
        raise Refused(400, "MissingAddress", "An address is missing.", target="HttpRequest")
    lines = model.get("lines")
    if not isinstance(lines, list) or not lines:
        raise Refused(400, "MissingLine", "You must have at least one line.", target="HttpRequest")
    for n, line in enumerate(lines):
        if not isinstance(line, dict) or not isinstance(line.get("amount"), int | float):
            raise Refused(400, "ValueRequiredError", f"Field 'lines[{n}].amount' is required and must be a number.")
    return kind, address, lines


def _line(line: dict[str, Any], jurisdictions: Jurisdictions) -> dict[str, Any]:
    amount = Decimal(str(line["amount"]))
    override = line.get("taxOverride")
    if isinstance(override, dict) and override.get("type") == "TaxAmount":
        return _overridden(line, amount, Decimal(str(override.get("taxAmount", 0))), jurisdictions)
    details = []
    for kind, name, rate in jurisdictions:
        tax = (amount * rate).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)
        details.append(
            {
                "jurisType": kind,
                "jurisName": name,
                "rate": float(rate),
                "tax": float(tax),
                "taxableAmount": float(amount),
            }
        )
    tax = sum((Decimal(str(d["tax"])) for d in details), Decimal(0)).quantize(_CENT, rounding=ROUND_HALF_EVEN)
    return {
        "lineNumber": str(line.get("number") or ""),
        "itemCode": line.get("itemCode", ""),
        "quantity": line.get("quantity", 1),
        "lineAmount": float(amount),
        "taxableAmount": float(amount) if jurisdictions else 0,
        "tax": float(tax),
        "taxCalculated": float(tax),
        "taxCode": line.get("taxCode", "P0000000"),
        "details": details,
    }


def _overridden(line: dict[str, Any], amount: Decimal, tax: Decimal, jurisdictions: Jurisdictions) -> dict[str, Any]:
    """A line whose tax was collected elsewhere: kept at that amount, split by the jurisdictions' rates."""
    total_rate = sum((rate for _, _, rate in jurisdictions), Decimal(0))
    details = (
        [
            {"jurisType": kind, "jurisName": name, "rate": float(rate), "tax": float(tax * rate / total_rate)}
            for kind, name, rate in jurisdictions
        ]
        if total_rate
        else []
    )
    return {
        "lineNumber": str(line.get("number") or ""),
        "itemCode": line.get("itemCode", ""),
        "quantity": line.get("quantity", 1),
        "lineAmount": float(amount),
        "tax": float(tax.quantize(_CENT, rounding=ROUND_HALF_EVEN)),
        "taxCalculated": float(tax),
        "taxOverrideType": "TaxAmount",
        "taxOverrideAmount": float(tax),
        "details": details,
    }


def create_tax_app(
    *,
    account_id: str = "2000000000",
    license_key: str = "simulator-licence",
    companies: tuple[str, ...] = ("DEFAULT",),
    rates: dict[str, Jurisdictions] | None = None,
) -> FastAPI:
    core = SimulatorCore("tax")
    books = Books(frozenset(companies), dict(rates or DEFAULT_RATES))
    expected = "Basic " + base64.b64encode(f"{account_id}:{license_key}".encode()).decode("ascii")
    app = FastAPI(title="Overture AvaTax simulator")
    app.state.books = books

    async def serve(request: Request, operation: str, committing: bool) -> Response:
        faulted = await core.guard(request, operation)
        if faulted is not None:
            return faulted
        if request.headers.get("Authorization") != expected:
            return _error(Refused(401, "AuthenticationException", "Authentication failed.", target="HttpRequest"))
        try:
            body = json.loads(await request.body() or b"null")
            model = body.get("createTransactionModel") if committing and isinstance(body, dict) else body
            answer = books.price(model)  # refuses anything but a JSON object
            if answer["status"] == "Committed" or answer["type"] != "SalesOrder":
                answer = books.keep(answer)
        except Refused as refused:
            return _error(refused)
        except ValueError:
            return _error(Refused(400, "JsonFormatError", "The request body is not valid JSON."))
        return JSONResponse(core.faults.drifted(operation, answer), status_code=201)

    @app.post("/api/v2/transactions/create")
    async def create(request: Request) -> Response:
        return await serve(request, "createTransaction", committing=False)

    @app.post("/api/v2/transactions/createoradjust")
    async def create_or_adjust(request: Request) -> Response:
        return await serve(request, "createOrAdjustTransaction", committing=True)

    @app.get("/_transactions")
    async def transactions() -> dict[str, Any]:
        kept = [
            {
                "code": t["code"],
                "type": t["type"],
                "version": t["version"],
                "totalTax": t["totalTax"],
                "status": t["status"],
            }
            for t in books.kept.values()
        ]
        return {"transactions": kept, "adjustments": books.adjustments}

    def reset() -> None:
        books.kept.clear()
        books.adjustments = 0

    install_control_routes(app, core, on_reset=reset)
    return app


def _error(refused: Refused) -> JSONResponse:
    detail = {"code": refused.code, "message": str(refused), "description": str(refused), "severity": "Error"}
    body = {"error": {"code": refused.code, "message": str(refused), "target": refused.target, "details": [detail]}}
    return JSONResponse(body, status_code=refused.status)
