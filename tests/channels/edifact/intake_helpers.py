"""Receiving EDIFACT through intake on a real store (both stores, via the ``container`` fixture)."""

from __future__ import annotations

from overture.bootstrap import Container
from overture.channels.edifact.intake import CONTENT_TYPE, EdifactReceipt, receive_edifact
from overture.domain.partners import PartnerProfile
from overture.services.ports import InboundMessage
from overture.services.retry import in_transaction
from tests.channels.edifact.fixtures import SENDER
from tests.factories import add_locations, add_skus, stock

ACME = PartnerProfile(SENDER, "Acme Stores", uom_factors={"CT": 12}, sku_xref={"ACME-001": "WIDGET-RED"})


def seed(container: Container, *, widgets: int = 200, gadgets: int = 200) -> None:
    in_transaction(container.uow, lambda uow: uow.partners.put(ACME, container.clock()))
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET-RED", "GADGET")
    stock(container, "WIDGET-RED", "EWR", widgets)
    if gadgets:
        stock(container, "GADGET", "EWR", gadgets)


def receive(container: Container, text: str) -> EdifactReceipt:
    message = InboundMessage("edifact", text.encode(), container.clock(), CONTENT_TYPE)
    return receive_edifact(container.uow, message, geocoder=container.geocoder, clock=container.clock)
