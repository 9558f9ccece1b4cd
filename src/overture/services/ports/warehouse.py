"""The 3PL-over-EDI ports: a warehouse location whose lines a trading partner ships, told by a
document (an X12 940) rather than a WMS API, and how a document reaches a partner (AS2, a folder).

``connectors/edi_wms.py`` implements the WMS gateway on top of these two; ``channels/x12/warehouse.py``
writes the documents and ``channels/transports/outbox.py`` delivers them, so the gateway never
needs to know X12 or AS2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from overture.domain.inventory import Location, LocationKind, SupplierTransport
from overture.domain.partners import PartnerProfile
from overture.services.plans import LocationRelease, OrderDocument
from overture.services.ports.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class WarehouseOrder:
    """What a 3PL is asked to ship: the order's lines at its location, to the order's customer."""

    partner: PartnerProfile
    location: Location
    order: OrderDocument
    release: LocationRelease
    po_number: str  # the buyer's PO number, when the order came with one ("" otherwise)
    reference: str  # unique per release (the release's idempotency key): a retry finds the same document


@dataclass(frozen=True, slots=True)
class KeptDocument:
    """A document kept for a partner, and its name for the transport (e.g. ``940-WOABC.edi``)."""

    depositor_order_number: str  # what the partner answers with (the 940's W0502)
    name: str
    text: str


class WarehouseDocuments(Protocol):
    def shipping_order(self, uow: UnitOfWork, order: WarehouseOrder, *, at: datetime) -> KeptDocument:
        """Keep the shipping order once per ``order.reference``; a retry gets the one kept before."""
        ...

    def cancel_shipping_order(
        self, uow: UnitOfWork, partner: PartnerProfile, order_id: str, location_id: str, *, at: datetime
    ) -> KeptDocument | None:
        """Keep the cancellation of the newest shipping order for the order at the location; None when
        none was sent there (nothing to cancel)."""
        ...


class PartnerDelivery(Protocol):
    def deliver(self, partner_id: str, kind: str, document: KeptDocument) -> str:
        """Send the document by the partner's transport; how it went ("as2 ...", "file ...", "kept").

        Raises a ``RetryableConnectorError`` when the transport failed and a retry may pass."""
        ...


def served_by_partner(location: Location | None) -> str | None:
    """The trading partner serving a 3PL location over EDI (its ``supplier_partner_id``), else None:
    3PL locations naming no partner keep going to the WMS API."""
    if location is None or location.kind is not LocationKind.THIRD_PARTY or not location.supplier_partner_id:
        return None
    return location.supplier_partner_id if location.supplier_transport is SupplierTransport.X12 else None
