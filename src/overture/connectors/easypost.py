"""Return labels bought through EasyPost's v2 API (https://docs.easypost.com/docs/shipments).

Wire format (JSON, HTTP Basic auth: the API key as username, an empty password)::

    POST /v2/shipments           {"shipment": {"to_address", "from_address", "parcel": {"weight"},
                                  "is_return": true, "reference", "options": {"print_custom_1"}}}
                                 -> Shipment {"id", "rates": [Rate {"id", "carrier", "service", "rate", "currency"}]}
    POST /v2/shipments/{id}/buy  {"rate": {"id"}}
                                 -> Shipment {"tracking_code", "postage_label": {"label_url"}, "selected_rate"}

Addresses: with ``is_return`` EasyPost keeps the addresses of the original outbound shipment and
switches them itself (docs/returns), so ``to_address`` is the customer's address (our ``ship_from``,
completed with the customer's name, email and phone) and ``from_address`` the receiving location
(our ``ship_to``). Empty fields are left out, so a missing ``zip`` reaches EasyPost as missing.
The parcel weight is ounces, a JSON number as EasyPost documents it (a weight, not money); every
rate is a decimal string and is read as ``Decimal``. The cheapest rate is bought.

Idempotency: EasyPost has no Idempotency-Key header, and its list endpoint (``GET /v2/shipments``)
filters only by date, id cursor, ``purchased`` and ``include_children`` (docs/pagination), not by
reference, so there is no documented way to find an earlier attempt before creating. We therefore
send the idempotency key as the shipment's ``reference`` (docs/easypost-objects: references are
ours to assign, their uniqueness ours to keep; one key per return keeps it) and rely on the other
side answering a repeated reference with the shipment it already made. Our simulator does exactly
that; when the answer is a shipment already bought, this connector returns its label instead of
buying again. Against the real EasyPost, which does not dedupe, a retry after a lost *create*
answer leaves an unbought shipment (free), but a retry after a lost *buy* answer buys a second
label: refunding the spare (``POST /v2/shipments/{id}/refund``) is not done here.

Errors: EasyPost answers ``{"error": {"code", "message", "errors": [FieldError | str]}}``
(docs/errors); the code, message and field errors go into the connector error's message. Status
decides the kind, as in :mod:`overture.connectors.http`: 429 throttled, 5xx and 408 retryable,
any other 4xx (401 bad key, 402 no funds, 422 ``ADDRESS.VERIFY.FAILURE``...) permanent. A 2xx
answer missing a field we rely on is a permanent error naming the field.
"""

from __future__ import annotations

import base64
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import httpx

from overture.connectors.http import ConnectorConfig, HttpConnector, parse_retry_after
from overture.services.ports.carrier import Rate, ReturnLabel
from overture.services.ports.connector_errors import (
    ConnectorError,
    PermanentConnectorError,
    RetryableConnectorError,
    ThrottledError,
)

ADDRESS_FIELDS = ("name", "street1", "street2", "city", "state", "zip", "country", "phone", "email")
# What the customer's details complete on their side of the label when the address lacks them.
_CUSTOMER_FIELDS = ("name", "email", "phone")


class EasyPostConnector(HttpConnector):
    def __init__(
        self, config: ConnectorConfig, *, api_key: str, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        token = base64.b64encode(f"{api_key}:".encode()).decode()
        super().__init__(config, transport=transport, headers={"Authorization": f"Basic {token}"})

    async def create_return_label(
        self,
        *,
        return_id: str,
        customer: dict[str, str],
        ship_from: dict[str, str],
        ship_to: dict[str, str],
        parcel_weight_oz: Decimal,
        idempotency_key: str,
    ) -> ReturnLabel:
        """Create a return shipment and buy its cheapest rate (see the module docstring for the key)."""
        body = {
            "shipment": {
                "to_address": address(ship_from, customer),
                "from_address": address(ship_to),
                "parcel": {"weight": float(parcel_weight_oz)},
                "is_return": True,
                "reference": idempotency_key,
                "options": {"print_custom_1": return_id},
            }
        }
        return await self._bought(body)

    async def buy_label(
        self,
        *,
        reference: str,
        ship_from: dict[str, str],
        ship_to: dict[str, str],
        parcel_weight_oz: Decimal,
        idempotency_key: str,
    ) -> ReturnLabel:
        """An outbound label: from the location to the customer, the cheapest rate bought."""
        body = {
            "shipment": {
                "to_address": address(ship_to),
                "from_address": address(ship_from),
                "parcel": {"weight": float(parcel_weight_oz)},
                "reference": idempotency_key,
                "options": {"print_custom_1": reference},
            }
        }
        return await self._bought(body)

    async def rates(
        self, *, ship_from: dict[str, str], ship_to: dict[str, str], parcel_weight_oz: Decimal
    ) -> list[Rate]:
        """The lane's rates: a shipment created, its rates read, nothing bought (an unbought shipment costs
        nothing at EasyPost)."""
        body = {
            "shipment": {
                "to_address": address(ship_to),
                "from_address": address(ship_from),
                "parcel": {"weight": float(parcel_weight_oz)},
            }
        }
        op = "create_shipment"
        shipment = await self._call("POST", "/v2/shipments", json=body, operation=op)
        rates = shipment.get("rates")
        if not isinstance(rates, list) or not rates:
            raise self._malformed(op, f"answer has no rates (messages: {shipment.get('messages')})", answer=shipment)
        found = []
        for i, rate in enumerate(rates):
            if not isinstance(rate, dict):
                raise self._malformed(op, f"answer field rates[{i}] is not an object", answer=shipment)
            where = f"rates[{i}]."
            found.append(
                Rate(
                    self._nested(rate, "carrier", op, where),
                    self._nested(rate, "service", op, where),
                    self._decimal(rate, "rate", op, where),
                    self._nested(rate, "currency", op, where),
                )
            )
        return found

    async def _bought(self, body: dict[str, Any]) -> ReturnLabel:
        shipment = await self._call("POST", "/v2/shipments", json=body, operation="create_shipment")
        shipment_id = self._field(shipment, "id", "create_shipment")
        if shipment.get("postage_label"):  # the reference was seen before and its label bought
            return self._label(shipment, "create_shipment")
        rate_id = self._cheapest_rate(shipment)
        path = f"/v2/shipments/{quote(shipment_id, safe='')}/buy"
        bought = await self._call("POST", path, json={"rate": {"id": rate_id}}, operation="buy_shipment")
        return self._label(bought, "buy_shipment")

    def _cheapest_rate(self, shipment: dict[str, Any]) -> str:
        """The id of the lowest rate; rates in several currencies cannot be compared, so they are refused."""
        op = "create_shipment"
        rates = shipment.get("rates")
        if not isinstance(rates, list) or not rates:
            raise self._malformed(op, f"answer has no rates (messages: {shipment.get('messages')})", answer=shipment)
        priced: list[tuple[Decimal, str]] = []
        for i, rate in enumerate(rates):
            if not isinstance(rate, dict):
                raise self._malformed(op, f"answer field rates[{i}] is not an object", answer=shipment)
            where = f"rates[{i}]."
            priced.append((self._decimal(rate, "rate", op, where), self._nested(rate, "id", op, where)))
        currencies = {rate.get("currency") for rate in rates}
        if len(currencies) != 1:
            raise self._malformed(op, f"rates come in several currencies {sorted(map(str, currencies))}")
        return min(priced)[1]

    def _label(self, shipment: dict[str, Any], op: str) -> ReturnLabel:
        """The bought label, every field we rely on present or a permanent error naming it."""
        postage = self._object(shipment, "postage_label", op)
        selected = self._object(shipment, "selected_rate", op)
        return ReturnLabel(
            carrier=self._nested(selected, "carrier", op, "selected_rate."),
            service=self._nested(selected, "service", op, "selected_rate."),
            tracking_code=self._field(shipment, "tracking_code", op),
            label_url=self._nested(postage, "label_url", op, "postage_label."),
            rate=self._decimal(selected, "rate", op, "selected_rate."),
            currency=self._nested(selected, "currency", op, "selected_rate."),
            shipment_id=self._field(shipment, "id", op),
        )

    def _object(self, data: dict[str, Any], key: str, op: str) -> dict[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            raise self._malformed(op, f"answer lacks the object field {key!r}", answer=data)
        return value

    def _nested(self, data: dict[str, Any], key: str, op: str, prefix: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            raise self._malformed(op, f"answer lacks the string field {prefix + key!r}", answer=data)
        return value

    def _decimal(self, data: dict[str, Any], key: str, op: str, prefix: str) -> Decimal:
        text = self._nested(data, key, op, prefix)
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or amount < 0:
            raise self._malformed(op, f"answer field {prefix + key!r} is not an amount: {text!r}", answer=data)
        return amount

    def _status_error(self, response: httpx.Response, operation: str) -> ConnectorError:
        """The base mapping by status, with EasyPost's code, message and field errors as the message."""
        status = response.status_code
        message = f"{response.reason_phrase or 'error'}: {easypost_error(response)}"
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        ctx: dict[str, Any] = {"connector": self.name, "operation": operation, "status": status}
        if status == 429:
            return ThrottledError(message, retry_after=retry_after, **ctx)
        if status >= 500 or status == 408:
            return RetryableConnectorError(message, retry_after=retry_after, **ctx)
        return PermanentConnectorError(message, **ctx)


def address(fields: dict[str, str], completing: dict[str, str] | None = None) -> dict[str, str]:
    """EasyPost's address fields that have a value, the customer's name, email and phone filling gaps."""
    merged = dict(fields)
    for key in _CUSTOMER_FIELDS:
        if not merged.get(key) and completing and completing.get(key):
            merged[key] = completing[key]
    return {key: merged[key] for key in ADDRESS_FIELDS if merged.get(key)}


def easypost_error(response: httpx.Response) -> str:
    """``CODE: message (field: message; ...)`` from EasyPost's error body, or the body's start if it is not one."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        text = response.text.strip().replace("\n", " ")
        return text[:200]
    details = [_field_error(item) for item in error.get("errors") or [] if item]
    summary = f"{error.get('code', 'UNKNOWN')}: {error.get('message', '')}"
    return f"{summary} ({'; '.join(details)})" if details else summary


def _field_error(item: Any) -> str:
    """One FieldError (an object with field, message and suggestion) or a plain string, as docs/errors allows."""
    if not isinstance(item, dict):
        return str(item)
    text = f"{item.get('field', '?')}: {item.get('message', '')}"
    return f"{text} (suggestion: {item['suggestion']})" if item.get("suggestion") else text
