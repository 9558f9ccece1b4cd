"""A marketplace seller that is an X12 trading partner, on SQLite and PostgreSQL: its sub-order is owed
an 850 at the split, written through the partner documents port (passing our own X12 tables); its 855
through the EDI intake accepts one line and refuses two (one re-routed to another seller, one refunded
when no one else sells it); its 856 ships the accepted line and credits the seller's ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest

from overture.bootstrap import Container
from overture.channels.x12.ack997 import Verdict, check_document
from overture.channels.x12.envelope import read
from overture.channels.x12.intake import EdiReceipt, receive_x12
from overture.channels.x12.partner_documents import X12PartnerDocuments
from overture.domain.marketplace.commission import CommissionRule, CommissionTerms
from overture.domain.marketplace.sellers import SellerStatus
from overture.domain.marketplace.sub_orders import LineState, SubOrderStatus
from overture.domain.partners import PartnerProfile, X12Identity
from overture.services.marketplace import seller_edi, sellers, split
from overture.services.ports import InboundMessage, UnitOfWork
from overture.services.retry import in_transaction, read_only
from tests.services.marketplace.builders import approved_seller, capture, commission_rule, kinds, offer

PARTNER = PartnerProfile("SELLCO", name="Sell Co", x12=X12Identity("ZZ", "SELLCO"))
ISA = "ISA*00*          *00*          *ZZ*SELLCO         *ZZ*OVERTURE       *261123*1000*U*00401*{icn}*0*P*>~\n"

ACK_855 = """GS*PR*SELLCO*OVERTURE*20261123*1000*{icn}*X*004010~
ST*855*0001~
BAK*00*AC*{po}*20261123~
PO1*1*1*EA*20**BP*KETTLE~
ACK*IB*0*EA~
PO1*2*1*EA*8**BP*MUG~
ACK*IA*1*EA~
PO1*3*1*EA*5**BP*LAMP~
ACK*IR*0*EA~
N9*L1*REASON~
MSG*DISCONTINUED~
CTT*3~
SE*12*0001~
GE*1*{icn}~
IEA*1*{isa}~
"""

SHIP_856 = """GS*SH*SELLCO*OVERTURE*20261124*1130*{icn}*X*004010~
ST*856*0001~
BSN*00*SHIP-1*20261124*1130~
HL*1**S~
TD5**2*UPSN~
REF*CN*1Z999AA10123456784~
HL*2*1*O~
PRF*{po}~
HL*3*2*I~
LIN*2*BP*MUG~
SN1**1*EA~
CTT*3~
SE*12*0001~
GE*1*{icn}~
IEA*1*{isa}~
"""


@pytest.fixture
def market(container: Container) -> Container:
    in_transaction(container.uow, lambda uow: uow.partners.put(PARTNER, container.clock()))
    sellers.register(container.uow, "sellco", "Sell Co", partner_id="SELLCO", actor="test", clock=container.clock)
    for status in (SellerStatus.ONBOARDING, SellerStatus.READY_FOR_REVIEW, SellerStatus.APPROVED):
        sellers.set_status(container.uow, "sellco", status, actor="test", note="test seller", clock=container.clock)
    approved_seller(container, "acme")
    offer(container, "sellco", "KETTLE", "20.00", 5)
    offer(container, "acme", "KETTLE", "21.00", 5)  # the next offer for a refused kettle
    offer(container, "sellco", "MUG", "8.00", 5)
    offer(container, "sellco", "LAMP", "5.00", 5)  # no one else sells it: refused, it is refunded
    terms = CommissionTerms("ten", Decimal(10), fee_tax_percent=Decimal(20))
    commission_rule(container, CommissionRule("ten", "default", "", "USD", terms))
    return container


def _post(container: Container, template: str, po: str, icn: int) -> EdiReceipt:
    isa = f"{icn:09d}"
    text = ISA.replace("{icn}", isa) + template.replace("{po}", po).replace("{icn}", str(icn)).replace("{isa}", isa)
    message = InboundMessage("edi", text.encode(), container.clock(), "x12")
    return receive_x12(container.uow, message, geocoder=container.geocoder, clock=container.clock)


def _purchase_order(container: Container, order_id: str) -> list[list[str]]:
    """The one 850 kept for the seller's partner about this order, checked against our X12 tables."""

    def kept(uow: UnitOfWork) -> str | None:
        (row,) = uow.documents.listing("SELLCO", kind="850", order_id=order_id)
        return uow.documents.body("SELLCO", str(row["id"]))

    text = read_only(container.uow, kept)
    assert text is not None
    (checked,) = check_document(read(text))
    assert checked.verdict is Verdict.ACCEPTED, checked.problems
    return [s.elements for s in checked.transaction.body]


def _split(market: Container) -> tuple[str, str, str]:
    order_id = capture(market, ("KETTLE", 1, "20.00"), ("MUG", 1, "8.00"), ("LAMP", 1, "5.00"))
    (sub,) = split.split_order(market.uow, order_id, clock=market.clock)
    (po,) = seller_edi.send_owed(market.uow, X12PartnerDocuments(), clock=market.clock)
    return order_id, sub, po


def test_a_partner_sellers_sub_order_is_sent_as_an_850_that_passes_our_tables(market: Container) -> None:
    order_id, sub, po = _split(market)

    body = _purchase_order(market, order_id)

    assert po == seller_edi.po_number(sub) and len(po) <= 22
    assert body[0] == ["BEG", "00", "DS", po, "", body[0][5]]
    assert [s[:5] for s in body if s[0] == "PO1"] == [
        ["PO1", "1", "1", "EA", "20"],
        ["PO1", "2", "1", "EA", "8"],
        ["PO1", "3", "1", "EA", "5"],
    ]
    assert seller_edi.send_owed(market.uow, X12PartnerDocuments(), clock=market.clock) == []  # owed once


def test_its_855_accepts_and_refuses_lines_and_its_856_ships_the_accepted_one(market: Container) -> None:
    order_id, sub, po = _split(market)

    ack = _post(market, ACK_855, po, 701)

    assert [(t.code, t.order_id, t.errors) for t in ack.transactions] == [("855", order_id, [])]
    lines = {x.line_no: x for x in read_only(market.uow, lambda uow: uow.marketplace.lines_of_sub_order(sub))}
    assert {n: x.status for n, x in lines.items()} == {
        1: LineState.REFUSED,
        2: LineState.ACCEPTED,
        3: LineState.REFUSED,
    }
    assert lines[1].reason == "backordered (IB)" and lines[3].reason == "rejected (IR): DISCONTINUED"
    assert lines[2].decided_by == "edi:SELLCO"
    subs = read_only(market.uow, lambda uow: uow.marketplace.sub_orders_of(order_id))
    assert [(s.seller_id, s.status, s.rerouted_from) for s in subs] == [
        ("sellco", SubOrderStatus.ACCEPTED, None),
        ("acme", SubOrderStatus.AWAITING_ACCEPTANCE, sub),  # the kettle, re-routed
    ]
    money = read_only(market.uow, lambda uow: uow.money.ledger(order_id))
    assert money is not None and money.line(3).due == 0  # the lamp, refunded
    assert seller_edi.send_owed(market.uow, X12PartnerDocuments(), clock=market.clock) == []  # acme: by API

    again = _post(market, ACK_855, po, 702)  # a repeated 855 changes nothing
    assert again.transactions[0].errors == []
    assert len(read_only(market.uow, lambda uow: uow.marketplace.sub_orders_of(order_id))) == 2

    shipped = _post(market, SHIP_856, po, 703)

    assert [(t.code, t.order_id, t.errors) for t in shipped.transactions] == [("856", order_id, [])]
    done = read_only(market.uow, lambda uow: uow.marketplace.sub_order(sub))
    assert done is not None and done.status is SubOrderStatus.SHIPPED
    assert (done.carrier, done.tracking_number) == ("UPSN", "1Z999AA10123456784")
    entries = read_only(market.uow, lambda uow: uow.marketplace.entries("sellco"))
    assert kinds(entries)["ORDER_AMOUNT"] == 800  # the mug only


def test_an_856_before_the_855_is_quarantined_with_the_reason(market: Container) -> None:
    _, sub, po = _split(market)

    receipt = _post(market, SHIP_856, po, 704)

    (error, kept) = receipt.transactions[0].errors
    assert error["field"] == "PRF01" and sub in error["reason"]
    assert kept["code"] == "quarantined"  # kept, never dropped
    assert read_only(market.uow, lambda uow: uow.marketplace.sub_order(sub)) is not None
