"""Labels from a parcel carrier (or a carrier aggregator such as EasyPost): the return labels the returns
workflow buys, and the outbound labels bought when an order is released to a warehouse (so the WMS
packs with a label and tracking the hub already knows). Implementations raise the errors of
services/ports/connector_errors.py.

Addresses are plain dicts in EasyPost's address fields (``name``, ``street1``, ``street2``,
``city``, ``state``, ``zip``, ``country``, ``phone``, ``email``), because that is the common
denominator of the carriers' APIs and needs no mapping of its own. The rate is a ``Decimal`` with
its currency: what the merchant pays for the label, never a float.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class ReturnLabel:
    """A bought return label: who carries it, how to track it, where to print it and what it cost."""

    carrier: str
    service: str
    tracking_code: str
    label_url: str
    rate: Decimal
    currency: str
    shipment_id: str


class ReturnLabels(Protocol):
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
        """Buy one label for the parcel a customer sends back, from ``ship_from`` (the customer's
        address) to ``ship_to`` (the location receiving returns).

        ``customer`` gives the name, email and phone to put on the customer's side of the label
        where ``ship_from`` lacks them. The same ``idempotency_key`` must give the same label, never
        a second purchase: a workflow retries the step when it did not hear back."""
        ...


class OutboundLabels(Protocol):
    async def buy_label(
        self,
        *,
        reference: str,
        ship_from: dict[str, str],
        ship_to: dict[str, str],
        parcel_weight_oz: Decimal,
        idempotency_key: str,
    ) -> ReturnLabel:
        """Buy the cheapest label for one parcel from ``ship_from`` (the location) to ``ship_to`` (the
        customer); ``reference`` (our order and location) is printed on it. The same ``idempotency_key``
        gives the same label, never a second purchase."""
        ...


@dataclass(frozen=True)
class Rate:
    carrier: str
    service: str
    amount: Decimal
    currency: str


class CarrierRates(Protocol):
    async def rates(
        self, *, ship_from: dict[str, str], ship_to: dict[str, str], parcel_weight_oz: Decimal
    ) -> list[Rate]:
        """What the carrier would charge for one parcel of this weight on this lane (nothing is bought)."""
        ...
