"""Stripe webhook Events: the ``Stripe-Signature`` check and the Event -> PspEvent translation.

Stripe signs each delivery with ``Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=...][,v0=...]``,
where each ``v1`` is the hex HMAC-SHA256, keyed by the endpoint's signing secret, of
``"{t}.{raw body}"``. Only ``v1`` counts (other schemes are ignored, against downgrade attacks);
several ``v1`` appear while a rolled secret is still active, and any one matching is enough. The
timestamp is signed too, so a replayed delivery is refused once it is older than the tolerance
(Stripe's libraries default to 300 seconds). Both run on the raw bytes as they arrived.

Errors::

    InvalidSignature (channels/signatures.py)
     +-- SignatureError   the delivery cannot be trusted; ``reason`` says why
    PayloadError (services/errors.py)   the body is not an Event we can read; each field named
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, StrictInt, ValidationError

from overture.channels.signatures import InvalidSignature
from overture.channels.validation import field_errors, parse_json
from overture.domain.digits import is_digits
from overture.services.errors import ErrorCode, FieldError, PayloadError
from overture.services.ports.payments import PspEvent

SCHEME = "v1"
M = TypeVar("M", bound=BaseModel)


class SignatureError(InvalidSignature):
    """A Stripe delivery whose signature is missing, malformed, stale or wrong."""


def signature_header(payload: bytes, secret: str, *, timestamp: int) -> str:
    """The ``Stripe-Signature`` Stripe would send for ``payload`` at ``timestamp`` (the simulator signs with it)."""
    return f"t={timestamp},{SCHEME}={_digest(payload, secret, timestamp)}"


def verify_signature(payload: bytes, header: str, secret: str, *, tolerance_s: int = 300, now: float) -> None:
    """Raise SignatureError unless one ``v1`` signature in ``header`` is ``payload``'s under ``secret``,
    signed no more than ``tolerance_s`` seconds from ``now`` (0 turns the age check off, as Stripe's do)."""
    if not secret:
        raise SignatureError("no Stripe webhook signing secret is configured")
    if not header or not header.strip():
        raise SignatureError("the Stripe-Signature header is missing")
    timestamp, signatures = _parse_header(header)
    expected = _digest(payload, secret, timestamp).encode("ascii")
    if not any(hmac.compare_digest(expected, given.encode()) for given in signatures):
        raise SignatureError("no v1 signature in the Stripe-Signature header matches the payload")
    if tolerance_s > 0 and abs(now - timestamp) > tolerance_s:
        raise SignatureError(f"the signature's timestamp {timestamp} is more than {tolerance_s}s from now")


def _digest(payload: bytes, secret: str, timestamp: int) -> str:
    signed = str(timestamp).encode("ascii") + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamps: list[str] = []
    signatures: list[str] = []
    for element in header.split(","):
        prefix, _, value = element.strip().partition("=")
        if prefix == "t":
            timestamps.append(value.strip())
        elif prefix == SCHEME:
            signatures.append(value.strip())
    if len(timestamps) != 1 or not is_digits(timestamps[0]):
        raise SignatureError("the Stripe-Signature header has no single numeric timestamp (t=)")
    if not signatures:
        raise SignatureError(f"the Stripe-Signature header has no {SCHEME} signature")
    return int(timestamps[0]), signatures


class _Data(BaseModel):
    model_config = ConfigDict(extra="ignore")
    object: dict[str, Any]


class _Event(BaseModel):
    """The Event envelope (Events: the Event object). ``api_version`` may be null on old accounts."""

    model_config = ConfigDict(extra="ignore")
    id: str
    object: Literal["event"]
    type: str
    created: StrictInt
    data: _Data


class _Object(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    object: str
    currency: str | None = None
    metadata: dict[str, str] = {}


class _IntentObject(_Object):
    amount: StrictInt
    amount_capturable: StrictInt
    amount_received: StrictInt


class _ChargeObject(_Object):
    amount: StrictInt
    amount_refunded: StrictInt
    payment_intent: str | None = None


class _RefundObject(_Object):
    amount: StrictInt
    payment_intent: str | None = None


_BY_OBJECT: dict[str, type[_Object]] = {
    "payment_intent": _IntentObject,
    "charge": _ChargeObject,
    "refund": _RefundObject,
}


def parse_event(payload: bytes) -> PspEvent:
    """A verified Event's bytes -> PspEvent; PayloadError naming each field it cannot read.
    Objects other than PaymentIntents, Charges and Refunds keep only the envelope."""
    event = parse_json(_Event, payload)
    kind = event.data.object.get("object")
    if not isinstance(kind, str) or not kind:
        raise PayloadError(
            ErrorCode.VALIDATION_FAILED,
            [FieldError("data.object.object", ErrorCode.REQUIRED, "the event's object has no type")],
        )
    envelope = PspEvent(event.id, event.type, datetime.fromtimestamp(event.created, UTC), kind)
    model = _BY_OBJECT.get(kind)
    if model is None:
        return envelope
    return _with_object(envelope, _validate(model, event.data.object, "data.object"))


def _validate(model: type[M], data: dict[str, Any], prefix: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        errors = [FieldError(f"{prefix}.{e.field}", e.code, e.reason) for e in field_errors(error)]
        raise PayloadError(ErrorCode.VALIDATION_FAILED, errors) from None


def _with_object(envelope: PspEvent, obj: _Object) -> PspEvent:
    currency = obj.currency.upper() if obj.currency else None
    common: dict[str, Any] = {"currency": currency, "order_id": obj.metadata.get("order_id")}
    if isinstance(obj, _IntentObject):
        return replace(
            envelope,
            intent_id=obj.id,
            amount=obj.amount,
            amount_capturable=obj.amount_capturable,
            amount_received=obj.amount_received,
            **common,
        )
    if isinstance(obj, _ChargeObject):
        return replace(
            envelope, intent_id=obj.payment_intent, amount=obj.amount, amount_refunded=obj.amount_refunded, **common
        )
    assert isinstance(obj, _RefundObject)
    return replace(envelope, intent_id=obj.payment_intent, amount=obj.amount, refund_id=obj.id, **common)
