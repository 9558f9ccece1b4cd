"""Our payment provider (a PSP speaking Stripe's PaymentIntents and Refunds), as the use cases call it.

Amounts are integers in the currency's minor units, as the provider counts them; currencies are
upper-case ISO 4217 codes here (the wire's lower case is the adapter's business). Every call that
moves money takes an idempotency key, so a retried activity gets the first answer again.

Errors, beside those of :mod:`overture.services.ports.connector_errors`::

    PermanentConnectorError
     +-- PaymentRefused          the provider refused the request (code, decline_code, param)
          +-- CardDeclined       the card was declined or cannot be used (card_declined, expired_card, ...)
          +-- AuthorisationExpired  the authorisation lapsed before capture (charge_expired_for_capture)

They are permanent: asking again with the same key replays the same refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from overture.services.ports.connector_errors import PermanentConnectorError

# Stripe's reasons for a refund (Refunds create, `reason`).
REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})


@dataclass(frozen=True, slots=True)
class PaymentIntent:
    """A PaymentIntent as the provider last answered it; ``status`` is Stripe's own string
    (``requires_capture``, ``succeeded``, ``canceled``, ...)."""

    id: str
    status: str
    amount: int
    amount_capturable: int
    amount_received: int
    currency: str
    capture_before: datetime | None = None  # when the authorisation lapses (the charge's card details)
    amount_refunded: int = 0  # refunded so far on the intent's latest charge
    order_id: str | None = None  # metadata[order_id]


@dataclass(frozen=True, slots=True)
class Refund:
    id: str
    amount: int
    status: str  # pending, requires_action, succeeded, failed, canceled
    intent_id: str


@dataclass(frozen=True, slots=True)
class PspEvent:
    """One webhook Event from the provider, reduced to what reconciling money needs.

    ``intent_id`` and the amounts come from the event's object: a PaymentIntent, a Charge (its
    ``payment_intent``) or a Refund; they are None when the object carries no such field."""

    event_id: str
    type: str
    created: datetime
    object_type: str
    intent_id: str | None = None
    amount: int | None = None
    amount_capturable: int | None = None
    amount_received: int | None = None
    amount_refunded: int | None = None
    currency: str | None = None
    refund_id: str | None = None
    order_id: str | None = None


class PaymentRefused(PermanentConnectorError):
    """The provider refused: ``code`` is its error code (``amount_too_large``,
    ``payment_intent_unexpected_state``, ...), ``decline_code`` the issuer's reason for a card decline,
    ``param`` the request parameter at fault."""

    def __init__(
        self,
        message: str,
        *,
        connector: str,
        operation: str,
        status: int | None = None,
        code: str,
        decline_code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message, connector=connector, operation=operation, status=status)
        self.code = code
        self.decline_code = decline_code
        self.param = param


class CardDeclined(PaymentRefused):
    """The card cannot pay (declined, expired, ...): the customer must use another payment method."""


class AuthorisationExpired(PaymentRefused):
    """The authorisation lapsed before it was captured: only a new authorisation can collect the money."""


class PaymentGateway(Protocol):
    """A PSP holding authorisations we capture as lines ship and refund as they come back."""

    async def authorise(
        self, *, order_id: str, amount_minor: int, currency: str, payment_method: str, idempotency_key: str
    ) -> PaymentIntent:
        """Authorise ``amount_minor`` on the payment method for later (possibly several) captures."""
        ...

    async def capture(self, *, intent_id: str, amount_minor: int, final: bool, idempotency_key: str) -> PaymentIntent:
        """Capture part of the authorisation; ``final`` releases whatever it still holds."""
        ...

    async def refund(
        self,
        *,
        intent_id: str,
        amount_minor: int,
        reason: str,
        idempotency_key: str,
        metadata: dict[str, str] | None = None,
    ) -> Refund:
        """Give back captured money; ``reason`` is one of :data:`REFUND_REASONS`."""
        ...

    async def void(self, *, intent_id: str, idempotency_key: str) -> PaymentIntent:
        """Cancel the intent, releasing what it has not captured."""
        ...

    async def retrieve(self, intent_id: str) -> PaymentIntent:
        """The intent as the provider holds it now."""
        ...
