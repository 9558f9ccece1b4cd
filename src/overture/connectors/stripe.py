"""Connector to Stripe (or anything speaking its API): PaymentIntents with manual, multiple capture, and Refunds.

Wire format (Stripe API v1, pinned by ``Stripe-Version``)::

    POST /v1/payment_intents               amount, currency, payment_method, confirm=true, capture_method=manual,
                                           payment_method_types[]=card, metadata[order_id],
                                           payment_method_options[card][request_multicapture]=if_available
    POST /v1/payment_intents/{id}/capture  amount_to_capture, final_capture
    POST /v1/payment_intents/{id}/cancel
    GET  /v1/payment_intents/{id}
    POST /v1/refunds                       payment_intent, amount, reason, metadata[...]

Bodies are form-encoded with Stripe's bracket notation; every PaymentIntent is asked for with
``expand[]=latest_charge`` because the authorisation's deadline (``capture_before``) and the refunded
amount live on the charge. ``Authorization: Bearer <secret key>``; each POST carries an
``Idempotency-Key``, and Stripe replays the first answer (refusals included) for it.

Stripe's error body ``{"error": {"type", "code", "decline_code", "message", "param"}}`` maps to:

- ``card_error`` (402): CardDeclined; ``charge_expired_for_capture``: AuthorisationExpired;
  any other error with a code or an ``idempotency_error``: PaymentRefused (all permanent);
- 409 (a concurrent request holds the key or the object: ``idempotency_key_in_use``, ``lock_timeout``):
  retryable, as Stripe's own libraries treat it; ``Stripe-Should-Retry: true|false`` overrides the status;
- 429, 5xx and the rest: the base class's mapping.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from overture.connectors.http import ConnectorConfig, HttpConnector
from overture.services.ports.connector_errors import (
    ConnectorError,
    PermanentConnectorError,
    RetryableConnectorError,
)
from overture.services.ports.payments import (
    REFUND_REASONS,
    AuthorisationExpired,
    CardDeclined,
    PaymentIntent,
    PaymentRefused,
    Refund,
)

STRIPE_VERSION = "2025-02-24.acacia"
EXPAND_CHARGE = ("expand[]", "latest_charge")
Form = list[tuple[str, str]]


class StripeConnector(HttpConnector):
    """The PaymentGateway port over Stripe's HTTP API."""

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        api_key: str,
        transport: httpx.AsyncBaseTransport | None = None,
        stripe_version: str = STRIPE_VERSION,
    ) -> None:
        if not api_key:
            raise ValueError("a Stripe secret key is required")
        headers = {"Authorization": f"Bearer {api_key}", "Stripe-Version": stripe_version}
        super().__init__(config, transport=transport, headers=headers)

    async def authorise(
        self, *, order_id: str, amount_minor: int, currency: str, payment_method: str, idempotency_key: str
    ) -> PaymentIntent:
        """Create and confirm a manual-capture PaymentIntent, asking for multicapture where the card allows it."""
        form: Form = [
            ("amount", _amount(amount_minor, "amount_minor")),
            ("currency", currency.lower()),
            ("payment_method", payment_method),
            ("payment_method_types[]", "card"),
            ("confirm", "true"),
            ("capture_method", "manual"),
            ("payment_method_options[card][request_multicapture]", "if_available"),
            ("metadata[order_id]", order_id),
            EXPAND_CHARGE,
        ]
        return await self._intent_call("POST", "/v1/payment_intents", "authorise", form, idempotency_key)

    async def capture(self, *, intent_id: str, amount_minor: int, final: bool, idempotency_key: str) -> PaymentIntent:
        """Capture ``amount_minor``; ``final`` (``final_capture``) releases whatever is left authorised."""
        form: Form = [
            ("amount_to_capture", _amount(amount_minor, "amount_minor")),
            ("final_capture", "true" if final else "false"),
            EXPAND_CHARGE,
        ]
        path = f"/v1/payment_intents/{intent_id}/capture"
        return await self._intent_call("POST", path, "capture", form, idempotency_key)

    async def void(self, *, intent_id: str, idempotency_key: str) -> PaymentIntent:
        """Cancel the PaymentIntent; what it still holds authorised is released."""
        path = f"/v1/payment_intents/{intent_id}/cancel"
        return await self._intent_call("POST", path, "void", [EXPAND_CHARGE], idempotency_key)

    async def retrieve(self, intent_id: str) -> PaymentIntent:
        op = "retrieve"
        params: dict[str, str | int] = {EXPAND_CHARGE[0]: EXPAND_CHARGE[1]}
        answer = await self._call("GET", f"/v1/payment_intents/{intent_id}", params=params, operation=op)
        return self._intent(answer, op)

    async def refund(
        self,
        *,
        intent_id: str,
        amount_minor: int,
        reason: str,
        idempotency_key: str,
        metadata: dict[str, str] | None = None,
    ) -> Refund:
        """Refund captured money of the intent; Stripe refuses more than it captured and has not refunded."""
        op = "refund"
        if reason not in REFUND_REASONS:
            # A programming error, but permanent so a workflow does not retry it for ever.
            raise self._malformed(op, f"refund reason {reason!r} is not one of {sorted(REFUND_REASONS)}")
        form: Form = [
            ("payment_intent", intent_id),
            ("amount", _amount(amount_minor, "amount_minor")),
            ("reason", reason),
        ]
        form += [(f"metadata[{key}]", value) for key, value in sorted((metadata or {}).items())]
        answer = await self._call("POST", "/v1/refunds", form=form, idempotency_key=idempotency_key, operation=op)
        return Refund(
            id=self._field(answer, "id", op),
            amount=self._int(answer, "amount", op),
            status=self._field(answer, "status", op),
            intent_id=self._field(answer, "payment_intent", op),
        )

    async def _intent_call(self, method: str, path: str, op: str, form: Form, key: str) -> PaymentIntent:
        answer = await self._call(method, path, form=form, idempotency_key=key, operation=op)
        return self._intent(answer, op)

    def _intent(self, data: dict[str, Any], op: str) -> PaymentIntent:
        """A PaymentIntent from an answer, every field we rely on checked (a missing one is permanent)."""
        charge = data.get("latest_charge")
        if charge is not None and not isinstance(charge, dict):
            raise self._malformed(op, "answer's 'latest_charge' is not expanded (expand[]=latest_charge)")
        metadata = data.get("metadata")
        order_id = metadata.get("order_id") if isinstance(metadata, dict) else None
        return PaymentIntent(
            id=self._field(data, "id", op),
            status=self._field(data, "status", op),
            amount=self._int(data, "amount", op),
            amount_capturable=self._int(data, "amount_capturable", op),
            amount_received=self._int(data, "amount_received", op),
            currency=self._field(data, "currency", op).upper(),
            capture_before=self._capture_before(charge, op) if charge else None,
            amount_refunded=self._int(charge, "amount_refunded", op, prefix="latest_charge.") if charge else 0,
            order_id=order_id if isinstance(order_id, str) else None,
        )

    def _capture_before(self, charge: dict[str, Any], op: str) -> datetime | None:
        details = charge.get("payment_method_details")
        card = details.get("card") if isinstance(details, dict) else None
        value = card.get("capture_before") if isinstance(card, dict) else None
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            field = "latest_charge.payment_method_details.card.capture_before"
            raise self._malformed(op, f"answer's {field!r} is not a Unix timestamp")
        return datetime.fromtimestamp(value, UTC)

    def _int(self, data: dict[str, Any], key: str, op: str, *, prefix: str = "") -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._malformed(op, f"answer lacks the integer field {prefix + key!r}")
        return value

    def _status_error(self, response: httpx.Response, operation: str) -> ConnectorError:
        error = _error_body(response)
        status = response.status_code
        should_retry = response.headers.get("Stripe-Should-Retry")
        if status == 429 or status >= 500 or error is None:
            return super()._status_error(response, operation)
        ctx: dict[str, Any] = {"connector": self.name, "operation": operation, "status": status}
        message = _describe(error)
        if should_retry == "true" or (status == 409 and should_retry != "false"):
            return RetryableConnectorError(message, **ctx)
        code = _text(error, "code") or (_text(error, "type") if error.get("type") == "idempotency_error" else None)
        if code is None or status in (401, 403):
            return PermanentConnectorError(message, **ctx)
        kind = _refusal_kind(error, code)
        return kind(message, code=code, decline_code=_text(error, "decline_code"), param=_text(error, "param"), **ctx)


def _refusal_kind(error: dict[str, Any], code: str) -> type[PaymentRefused]:
    if code == "charge_expired_for_capture":
        return AuthorisationExpired
    if error.get("type") == "card_error":
        return CardDeclined
    return PaymentRefused


def _error_body(response: httpx.Response) -> dict[str, Any] | None:
    """Stripe's ``error`` object, or None when the answer is not one (a proxy's page, an empty body)."""
    try:
        data = response.json()
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, dict) else None


def _describe(error: dict[str, Any]) -> str:
    parts = [_text(error, "type") or "error", _text(error, "code"), _text(error, "decline_code")]
    label = "/".join(p for p in parts if p)
    param = _text(error, "param")
    return f"{label}: {_text(error, 'message') or 'no message'}" + (f" (param {param})" if param else "")


def _text(error: dict[str, Any], key: str) -> str | None:
    value = error.get(key)
    return value if isinstance(value, str) and value else None


def _amount(value: int, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer of minor units, got {value!r}")
    return str(value)
