"""Acumatica's contract-based REST API on the wire: the records we read (as contract models), the
bodies we write, and its error answers turned into one readable line.

A record is JSON with system fields (``id``, ``rowNumber``, ``note``, ``custom``, ``_links``) and every
other field wrapped as ``{"value": ...}``; a field Acumatica refuses comes back with an ``error`` beside
its value (``"CustomerID": {"value": "X", "error": "'Customer' cannot be found in the system."}``) on a
422 or 500. Other failures are ASP.NET errors: ``{"message", "exceptionMessage", "exceptionType",
"stackTrace"}``. A list (``GET /SalesOrder?$filter=...``) is a JSON array, which the connector reads as
``{"records": [...]}`` (see ``AcumaticaSession._decode``).

Our idempotency key travels in a field Acumatica keeps and can filter on: ``ExternalRef`` on sales
orders and sales invoices, ``Description`` on shipments (which have no ExternalRef), both in the
``Default`` endpoint's contract (24.200.001).
"""

from __future__ import annotations

import hashlib
from typing import Any

from overture.connectors.contracts import Contract

REF_LIMIT = 40  # SOOrder.ExternalRefNbr holds 40 characters
_ERRORS_SHOWN = 5


class Text(Contract):
    """A string field as Acumatica sends it: ``{"value": "..."}``."""

    value: str


class Record(Contract):
    """What every top-level record carries."""

    id: str


class SalesOrderRecord(Record):
    OrderType: Text
    OrderNbr: Text


class SalesOrderCustomer(SalesOrderRecord):
    CustomerID: Text


class InvoiceRecord(Record):
    Type: Text
    ReferenceNbr: Text
    Status: Text


class InvoiceCustomer(InvoiceRecord):
    CustomerID: Text


class ShipmentRecord(Record):
    ShipmentNbr: Text
    Status: Text


class CustomerRecord(Record):
    CustomerID: Text


class StockItemRecord(Record):
    InventoryID: Text


class SalesOrders(Contract):
    records: list[SalesOrderRecord]


class OrdersWithCustomer(Contract):
    records: list[SalesOrderCustomer]


class Invoices(Contract):
    records: list[InvoiceRecord]


class Shipments(Contract):
    records: list[ShipmentRecord]


class StockItems(Contract):
    records: list[StockItemRecord]


class Accepted(Contract):
    """An action's answer: 202 with the Location to poll, or 204 when it finished at once."""

    status: int
    location: str = ""


class AccessToken(Contract):
    """The OAuth 2.0 token endpoint's answer."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int = 3600


class ActionStatus(Contract):
    """A status read of a running action: 202 while it runs; 204 (or 200, with a body) once done."""

    status: int = 200


def wrap(value: Any) -> dict[str, Any]:
    """A general field's value as Acumatica reads it."""
    return {"value": value}


def wrapped(**fields: Any) -> dict[str, Any]:
    """A record body from plain values; None values are left out."""
    return {name: wrap(value) for name, value in fields.items() if value is not None}


def literal(text: str) -> str:
    """An OData string literal: quoted, with quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def external_ref(key: str) -> str:
    """Our idempotency key as it fits the field that keeps it: as is up to 40 characters, else a
    digest of it, so one key always gives one reference."""
    if len(key) <= REF_LIMIT:
        return key
    return "ov-" + hashlib.sha256(key.encode()).hexdigest()[: REF_LIMIT - 3]


def field_errors(body: Any, path: str = "") -> list[str]:
    """Every ``error`` inside a record answer, as ``Details.0.InventoryID: message``."""
    found: list[str] = []
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, str) and error:
            found.append(f"{path or '(record)'}: {error}")
        for name, value in body.items():
            if name != "error":
                found.extend(field_errors(value, f"{path}.{name}" if path else name))
    elif isinstance(body, list):
        for index, item in enumerate(body):
            found.extend(field_errors(item, f"{path}.{index}"))
    return found


def error_message(body: Any) -> str:
    """The readable part of an Acumatica error answer: the refused fields, else its exception message."""
    fields = field_errors(body)
    if fields:
        more = f"; and {len(fields) - _ERRORS_SHOWN} more" if len(fields) > _ERRORS_SHOWN else ""
        return "; ".join(fields[:_ERRORS_SHOWN]) + more
    if isinstance(body, dict):
        parts = [
            body.get(key) for key in ("exceptionMessage", "message", "exceptionType", "error", "error_description")
        ]
        text = [part for part in parts if isinstance(part, str) and part]
        if text:
            return " | ".join(dict.fromkeys(text))
    return ""


def is_login_limit(body: Any) -> bool:
    """Whether Acumatica refused a sign-in because the license's API sessions are all in use."""
    text = error_message(body).lower()
    return "api login limit" in text or "concurrent api logins" in text
