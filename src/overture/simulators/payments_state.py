"""The simulated PSP's books: PaymentIntents, their charge and refunds, moved through Stripe's states.

Pure and synchronous (the app in :mod:`overture.simulators.payments` adds HTTP, keys and webhooks).
Every operation takes the parsed form parameters and the simulator's clock, returns the Stripe
object to answer, and appends the Events it caused to :attr:`PaymentsBook.events`. A refusal is a
:class:`StripeError` carrying Stripe's status, type, code and message; ``executed`` says whether the
endpoint had begun executing, which is what decides if Stripe's idempotency layer keeps the answer.

State machine (manual capture, as the hub uses it)::

    create+confirm --ok--> requires_capture --capture(final)--> succeeded
                   --declined--> requires_payment_method (402, payment_intent.payment_failed)
    requires_capture --capture(final_capture=false)--> requires_capture (multicapture)
    requires_capture/requires_payment_method --cancel--> canceled (the rest released)
    requires_capture --window lapses--> canceled, or succeeded if partly captured (multicapture)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from overture.domain.digits import is_digits

# Stripe's test payment methods (Testing: declined payments): id -> (code, decline_code, message).
DECLINES: dict[str, tuple[str, str, str]] = {
    "pm_card_chargeDeclined": ("card_declined", "generic_decline", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "pm_card_chargeDeclinedExpiredCard": ("expired_card", "expired_card", "Your card has expired."),
}
ACCEPTS = frozenset({"pm_card_visa", "pm_card_mastercard"})
CANCELABLE = frozenset({"requires_payment_method", "requires_capture", "requires_confirmation", "requires_action"})


class StripeError(Exception):
    """A Stripe error answer; ``executed`` False for what fails before the endpoint runs (bad parameters)."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        kind: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        executed: bool = True,
        payment_intent: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "type": kind}
        extras = {"code": code, "param": param, "decline_code": decline_code, "payment_intent": payment_intent}
        self.body.update({k: v for k, v in extras.items() if v is not None})
        if code is not None:
            self.body["doc_url"] = f"https://docs.stripe.com/error-codes/{code.replace('_', '-')}"
        self.executed = executed


@dataclass
class Charge:
    id: str
    amount: int
    capture_before: int
    multicapture: bool
    amount_captured: int = 0
    amount_refunded: int = 0
    captured: bool = False
    status: str = "succeeded"
    failure: tuple[str, str, str] | None = None


@dataclass
class Intent:
    id: str
    amount: int
    currency: str
    payment_method: str | None
    capture_method: str
    created: int
    metadata: dict[str, str]
    status: str = "requires_payment_method"
    amount_capturable: int = 0
    amount_received: int = 0
    canceled_at: int | None = None
    cancellation_reason: str | None = None
    expired: bool = False
    charge: Charge | None = None
    refunds: list[str] = field(default_factory=list)


@dataclass
class RefundRecord:
    id: str
    amount: int
    intent_id: str
    charge_id: str
    currency: str
    reason: str | None
    metadata: dict[str, str]
    created: int
    status: str = "succeeded"


class PaymentsBook:
    """What the PSP holds; ``events`` gathers (type, object) pairs until the app sends them."""

    def __init__(self, *, auth_window_s: int) -> None:
        self.auth_window_s = auth_window_s
        self.intents: dict[str, Intent] = {}
        self.refunds: dict[str, RefundRecord] = {}
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._ids = itertools.count(1)

    def _id(self, prefix: str) -> str:
        return f"{prefix}_sim{next(self._ids):08d}"

    def intent(self, intent_id: str) -> Intent:
        found = self.intents.get(intent_id)
        if found is None:
            raise StripeError(
                f"No such payment_intent: '{intent_id}'",
                status=404,
                code="resource_missing",
                param="intent",
                executed=False,
            )
        return found

    def create(self, params: dict[str, Any], now: int) -> Intent:
        amount = positive_int(params, "amount")
        currency = str(params.get("currency") or "").lower()
        if len(currency) != 3 or not currency.isalpha():
            raise StripeError("Invalid currency", code="parameter_invalid_string", param="currency", executed=False)
        method = params.get("payment_method")
        if method is not None and method not in ACCEPTS and method not in DECLINES:
            raise StripeError(
                f"No such PaymentMethod: '{method}'", code="resource_missing", param="payment_method", executed=False
            )
        metadata = params.get("metadata") or {}
        capture_method = str(params.get("capture_method") or "automatic")
        intent = Intent(self._id("pi"), amount, currency, method, capture_method, now, dict(metadata))
        self.intents[intent.id] = intent
        if params.get("confirm") == "true":
            self._confirm(intent, params, now)
        return intent

    def _confirm(self, intent: Intent, params: dict[str, Any], now: int) -> None:
        if intent.payment_method is None:
            raise StripeError(
                "You must provide a payment_method to confirm.",
                code="parameter_missing",
                param="payment_method",
                executed=False,
            )
        options = ((params.get("payment_method_options") or {}).get("card") or {}).get("request_multicapture")
        charge = Charge(self._id("ch"), intent.amount, now + self.auth_window_s, options == "if_available")
        intent.charge = charge
        decline = DECLINES.get(intent.payment_method)
        if decline is not None:
            charge.status, charge.failure = "failed", decline
            self.events.append(("payment_intent.payment_failed", intent_json(intent, expand=False)))
            code, decline_code, message = decline
            raise StripeError(
                message,
                status=402,
                kind="card_error",
                code=code,
                decline_code=decline_code,
                payment_intent=intent_json(intent, expand=False),
            )
        intent.status, intent.amount_capturable = "requires_capture", intent.amount
        self.events.append(("payment_intent.amount_capturable_updated", intent_json(intent, expand=False)))
        if intent.capture_method != "manual":
            self._capture(intent, intent.amount, final=True)

    def capture(self, intent_id: str, params: dict[str, Any], now: int) -> Intent:
        intent = self.intent(intent_id)
        self.expire_due(now)
        if intent.expired:
            raise StripeError(
                "The charge cannot be captured as the authorization has expired.", code="charge_expired_for_capture"
            )
        if intent.status != "requires_capture":
            raise unexpected_state(intent, "captured", "requires_capture")
        amount = positive_int(params, "amount_to_capture", default=intent.amount_capturable, allow_zero=True)
        if amount > intent.amount_capturable:
            raise StripeError(
                f"The amount to capture ({amount}) is greater than the amount capturable ({intent.amount_capturable}).",
                code="amount_too_large",
                param="amount_to_capture",
            )
        assert intent.charge is not None
        final = params.get("final_capture") != "false" or not intent.charge.multicapture
        self._capture(intent, amount, final=final)
        return intent

    def _capture(self, intent: Intent, amount: int, *, final: bool) -> None:
        assert intent.charge is not None
        intent.amount_received += amount
        intent.charge.amount_captured += amount
        intent.amount_capturable = 0 if final else intent.amount_capturable - amount
        self.events.append(("payment_intent.amount_capturable_updated", intent_json(intent, expand=False)))
        if final:
            intent.status, intent.charge.captured = "succeeded", True
            self.events.append(("charge.captured", charge_json(intent, intent.charge)))
            self.events.append(("payment_intent.succeeded", intent_json(intent, expand=False)))

    def cancel(self, intent_id: str, params: dict[str, Any], now: int) -> Intent:
        intent = self.intent(intent_id)
        self.expire_due(now)
        if intent.status not in CANCELABLE:
            raise unexpected_state(intent, "canceled", ", ".join(sorted(CANCELABLE)))
        reason = params.get("cancellation_reason")
        self._close(intent, now, reason=str(reason) if reason else None)
        return intent

    def _close(self, intent: Intent, now: int, *, reason: str | None) -> None:
        """Release what the authorisation still holds; the intent is canceled (the Cancel API's reading)."""
        intent.status, intent.amount_capturable = "canceled", 0
        intent.canceled_at, intent.cancellation_reason = now, reason
        if intent.charge is not None and intent.charge.status == "succeeded":
            intent.charge.captured = True  # the uncaptured rest is reversed
        self.events.append(("payment_intent.canceled", intent_json(intent, expand=False)))

    def expire_due(self, now: int) -> None:
        """Lapse every authorisation past its ``capture_before``: uncaptured intents become canceled,
        partly captured ones succeeded (Multicapture: final capture)."""
        for intent in self.intents.values():
            charge = intent.charge
            if intent.status != "requires_capture" or charge is None or now < charge.capture_before:
                continue
            intent.expired = True
            if intent.amount_received == 0:
                self._close(intent, now, reason="automatic")
            else:
                self._capture(intent, 0, final=True)

    def refund(self, params: dict[str, Any], now: int) -> RefundRecord:
        reason = params.get("reason")
        if reason is not None and reason not in ("duplicate", "fraudulent", "requested_by_customer"):
            raise StripeError(
                f"Invalid reason: {reason}", code="parameter_invalid_string", param="reason", executed=False
            )
        intent = self._refund_target(params)
        charge = intent.charge
        if charge is None or intent.amount_received == 0:
            raise StripeError(
                f"This PaymentIntent ({intent.id}) does not have a successful charge to refund.",
                code="charge_not_refundable" if charge else "resource_missing",
            )
        remaining = intent.amount_received - charge.amount_refunded
        if remaining == 0:
            raise StripeError(f"Charge {charge.id} has already been refunded.", code="charge_already_refunded")
        amount = positive_int(params, "amount", default=remaining)
        if amount > remaining:
            raise StripeError(
                f"Refund amount (${dollars(amount)}) is greater than unrefunded amount on charge"
                f" (${dollars(remaining)})",
                code="amount_too_large",
                param="amount",
            )
        record = RefundRecord(
            self._id("re"),
            amount,
            intent.id,
            charge.id,
            intent.currency,
            reason,
            dict(params.get("metadata") or {}),
            now,
        )
        self.refunds[record.id] = record
        intent.refunds.append(record.id)
        charge.amount_refunded += amount
        self.events.append(("refund.created", refund_json(record)))
        self.events.append(("charge.refunded", charge_json(intent, charge)))
        return record

    def _refund_target(self, params: dict[str, Any]) -> Intent:
        intent_id, charge_id = params.get("payment_intent"), params.get("charge")
        if intent_id:
            return self.intent(str(intent_id))
        for intent in self.intents.values():
            if charge_id and intent.charge is not None and intent.charge.id == charge_id:
                return intent
        raise StripeError(
            "One of `charge` or `payment_intent` is required.",
            code="parameter_missing",
            param="payment_intent",
            executed=False,
        )

    def records(self) -> dict[str, Any]:
        return {
            "payment_intents": [
                {**intent_json(i, expand=False), "amount_refunded": i.charge.amount_refunded if i.charge else 0}
                for i in self.intents.values()
            ],
            "refunds": [refund_json(r) for r in self.refunds.values()],
        }


def positive_int(params: dict[str, Any], name: str, *, default: int | None = None, allow_zero: bool = False) -> int:
    raw = params.get(name)
    if raw is None and default is not None:
        return default
    text = str(raw) if raw is not None else ""
    if not is_digits(text) or (int(text) == 0 and not allow_zero):
        problem = "Missing required param" if raw is None else "Invalid positive integer"
        raise StripeError(
            f"{problem}: {name}.",
            code="parameter_missing" if raw is None else "parameter_invalid_integer",
            param=name,
            executed=False,
        )
    return int(text)


def unexpected_state(intent: Intent, verb: str, allowed: str) -> StripeError:
    return StripeError(
        f"This PaymentIntent could not be {verb} because it has a status of {intent.status}. "
        f"Only a PaymentIntent with one of the following statuses may be {verb}: {allowed}.",
        code="payment_intent_unexpected_state",
        payment_intent=intent_json(intent, expand=False),
    )


def dollars(minor: int) -> str:
    """Minor units as Stripe's message prints them (two decimals), without a float on the way."""
    return f"{minor // 100}.{minor % 100:02d}"


def intent_json(intent: Intent, *, expand: bool) -> dict[str, Any]:
    charge = intent.charge
    latest: Any = None if charge is None else (charge_json(intent, charge) if expand else charge.id)
    return {
        "id": intent.id,
        "object": "payment_intent",
        "amount": intent.amount,
        "amount_capturable": intent.amount_capturable,
        "amount_received": intent.amount_received,
        "canceled_at": intent.canceled_at,
        "cancellation_reason": intent.cancellation_reason,
        "capture_method": intent.capture_method,
        "created": intent.created,
        "currency": intent.currency,
        "latest_charge": latest,
        "livemode": False,
        "metadata": dict(intent.metadata),
        "payment_method": intent.payment_method,
        "payment_method_types": ["card"],
        "status": intent.status,
    }


def charge_json(intent: Intent, charge: Charge) -> dict[str, Any]:
    card: dict[str, Any] = {
        "brand": "visa",
        "capture_before": charge.capture_before,
        "last4": "4242",
        "multicapture": {"status": "available" if charge.multicapture else "unavailable"},
    }
    return {
        "id": charge.id,
        "object": "charge",
        "amount": charge.amount,
        "amount_captured": charge.amount_captured,
        "amount_refunded": charge.amount_refunded,
        "captured": charge.captured,
        "currency": intent.currency,
        "failure_code": charge.failure[0] if charge.failure else None,
        "metadata": dict(intent.metadata),
        "paid": charge.status == "succeeded",
        "payment_intent": intent.id,
        "payment_method_details": {"card": card, "type": "card"},
        "refunded": charge.captured and charge.amount_refunded == charge.amount_captured > 0,
        "status": charge.status,
    }


def refund_json(refund: RefundRecord) -> dict[str, Any]:
    return {
        "id": refund.id,
        "object": "refund",
        "amount": refund.amount,
        "charge": refund.charge_id,
        "created": refund.created,
        "currency": refund.currency,
        "metadata": dict(refund.metadata),
        "payment_intent": refund.intent_id,
        "reason": refund.reason,
        "status": refund.status,
    }
