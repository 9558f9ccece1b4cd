"""The 812 credit adjustment for a settled return: as written it reads back and passes our 004010 and
005010 tables; through ``PartnerDocuments`` (both stores) it is kept once per return with its own GS06,
names the 810's invoice, the PO and the partner's RMA, and is made for no order that is not a partner's."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from overture.bootstrap import Container
from overture.channels.rest import translate
from overture.channels.x12.ack997 import Verdict, check_document
from overture.channels.x12.adjustment812 import AdjustmentFacts, AdjustmentLine, credit_adjustment_812
from overture.channels.x12.envelope import read
from overture.channels.x12.intake import EdiReceipt, receive_x12
from overture.channels.x12.partner_documents import X12PartnerDocuments
from overture.channels.x12.writer import DEFAULT_SENDER, GroupDraft, reply_envelope, write_interchange
from overture.domain.partners import PartnerProfile, X12Identity
from overture.services.capture import capture_order
from overture.services.fulfilment import receive_shipment
from overture.services.plans import ShipmentRecord
from overture.services.ports import InboundMessage, UnitOfWork
from overture.services.ports.partner_documents import CreditAdjustment, CreditLine
from overture.services.retry import in_transaction, read_only
from tests.channels.x12.fixtures import PO_850
from tests.channels.x12.test_return180 import ACME
from tests.channels.x12.test_return180 import _text as rma_180
from tests.factories import add_locations, add_skus, order_payload, stock

AT = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
FACTS = AdjustmentFacts(
    number="CR1",
    invoice_number="INV-20931",
    po_number="PO-7781",
    currency="USD",
    total=Decimal("54.50"),
    authorization="RMA-5521",
    buyer="Acme Stores",
    lines=[
        AdjustmentLine(1, 12, Decimal("48.00"), "12", (("BP", "ACME-001"), ("VN", "WIDGET-RED"))),
        AdjustmentLine(2, 2, Decimal("6.50"), "11", (("VN", "GADGET"),)),
    ],
)


def _checked_body(text: str) -> tuple[str, list[list[str]]]:
    (checked,) = check_document(read(text))
    assert checked.supported, "no schema for the 812"
    assert checked.problems == [] and checked.verdict is Verdict.ACCEPTED
    return checked.group.functional_id, [s.elements for s in checked.transaction.body]


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_the_812_passes_our_own_tables(version: str) -> None:
    partner = PartnerProfile("ACME", x12=X12Identity("ZZ", "ACMEBUYER"), x12_version=version)
    draft = credit_adjustment_812(FACTS, AT)
    text = write_interchange(reply_envelope(partner, DEFAULT_SENDER), 9, [GroupDraft("CD", 9, [draft])], AT)
    functional_id, body = _checked_body(text)
    assert functional_id == "CD"
    assert body[0] == ["BCD", "20261210", "CR1", "I", "5450", "C", "", "INV-20931", "", "", "PO-7781"]
    assert ["N9", "RZ", "RMA-5521"] in body and ["CUR", "SE", "USD"] in body
    assert [s for s in body if s[0] in ("CDD", "LIN")] == [
        ["CDD", "12", "C", "1", "4800", "", "", "12", "EA"],
        ["LIN", "1", "BP", "ACME-001", "VN", "WIDGET-RED"],
        ["CDD", "11", "C", "2", "650", "", "", "2", "EA"],
        ["LIN", "2", "VN", "GADGET"],
    ]


# ---- through PartnerDocuments, on both stores -------------------------------------------------


def _receive(container: Container, text: str) -> EdiReceipt:
    message = InboundMessage("edi", text.encode(), container.clock(), "application/edi-x12")
    return receive_x12(container.uow, message, geocoder=container.geocoder, clock=container.clock)


def _returned_po(container: Container, partner: PartnerProfile) -> tuple[str, str]:
    """PO-7781 captured and shipped, and Acme's 180 RMA-5521 asked for: (order id, return id)."""
    in_transaction(container.uow, lambda uow: uow.partners.put(partner, container.clock()))
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET-RED", "GADGET")
    stock(container, "WIDGET-RED", "EWR", 100)
    stock(container, "GADGET", "EWR", 100)
    order_id = _receive(container, PO_850).transactions[0].order_id
    assert order_id is not None
    record = ShipmentRecord("shp_" + order_id, order_id, "EWR", "ups", "1Z999AA10123456784", container.clock(), [])
    shipped = InboundMessage("wms", json.dumps({"order_id": order_id}).encode(), container.clock())
    receive_shipment(container.uow, shipped, lambda _body: record, clock=container.clock)
    return_id = _receive(container, rma_180("004010")).transactions[0].return_id
    assert return_id is not None
    return order_id, return_id


def _adjustment(order_id: str, return_id: str) -> CreditAdjustment:
    lines = [CreditLine(1, "WIDGET-RED", 12, Decimal("48.00")), CreditLine(2, "GADGET", 2, Decimal("6.50"))]
    return CreditAdjustment(order_id, return_id, lines, "USD", Decimal("54.50"))


def _send(container: Container, adjustment: CreditAdjustment) -> str | None:
    documents = X12PartnerDocuments()
    return in_transaction(container.uow, lambda uow: documents.credit_adjustment(uow, adjustment, at=AT))


def _kept(uow: UnitOfWork, kind: str, order_id: str) -> list[str]:
    rows = uow.documents.listing("ACME", kind=kind, order_id=order_id)
    return [body for row in rows if (body := uow.documents.body("ACME", str(row["id"]))) is not None]


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_a_settled_return_of_a_partners_order_sends_one_812(container: Container, version: str) -> None:
    order_id, return_id = _returned_po(container, replace(ACME, x12_version=version))

    text = _send(container, _adjustment(order_id, return_id))

    assert text is not None
    _, body = _checked_body(text)
    bcd = body[0]
    assert (bcd[0], bcd[3], bcd[4], bcd[5], bcd[7], bcd[10]) == ("BCD", "I", "5450", "C", order_id[:22], "PO-7781")
    assert ["N9", "RZ", "RMA-5521"] in body  # the partner's own RMA number, from its 180
    # The reasons come from the return: DM (defective) is 12 Returns - Quality, DA (damaged) 11 Returns - Damage.
    assert [s[1] for s in body if s[0] == "CDD"] == ["12", "11"]
    assert ["LIN", "1", "BP", "ACME-001", "VN", "WIDGET-RED"] in body  # as the PO1 named it
    assert _send(container, _adjustment(order_id, return_id)) is None  # a retried step sends nothing twice
    kept = read_only(container.uow, lambda uow: _kept(uow, "812", order_id))
    assert kept == [text]
    (interchange,) = read(text).interchanges
    (ack_855,) = read_only(container.uow, lambda uow: _kept(uow, "855", order_id))
    assert interchange.groups[0].control_number != read(ack_855).interchanges[0].groups[0].control_number


def test_no_812_for_an_order_that_is_not_a_partners_or_a_return_crediting_nothing(container: Container) -> None:
    order_id, return_id = _returned_po(container, ACME)
    nothing = replace(_adjustment(order_id, return_id), total=Decimal(0))
    assert _send(container, nothing) is None
    add_skus(container, "A")
    stock(container, "A", "EWR", 5)
    web = capture_order(
        InboundMessage("web", json.dumps(order_payload(("A", 1))).encode(), container.clock()),
        translate,
        idempotency_key=None,
        uow_factory=container.uow,
        geocoder=container.geocoder,
        clock=container.clock,
    )
    assert _send(container, _adjustment(web.order.id, return_id)) is None
    assert read_only(container.uow, lambda uow: _kept(uow, "812", web.order.id)) == []


def test_a_partner_who_takes_no_810_gets_no_812(container: Container) -> None:
    order_id, return_id = _returned_po(container, replace(ACME, wants_810=False))
    assert _send(container, _adjustment(order_id, return_id)) is None
