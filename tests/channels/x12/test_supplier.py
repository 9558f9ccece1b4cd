"""Drop-ship X12: the 850 we send a supplier reads back and passes its schema; the supplier's 855
and 856 read into what the order needs (line decisions and reasons, carrier, tracking, items)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from overture.channels.x12.ack997 import Verdict, check_document
from overture.channels.x12.envelope import Transaction, read
from overture.channels.x12.outbound import PurchaseLine, PurchaseOrderFacts, purchase_order_850
from overture.channels.x12.supplier import read_po_ack, read_ship_notice
from overture.channels.x12.writer import EnvelopeSpec, GroupDraft, Party, write_interchange
from overture.domain.partners import PartnerProfile, X12Identity
from overture.services.drop_ship import AckLine, po_number
from overture.services.errors import PayloadError
from tests.channels.x12.supplier_fixtures import ACK_855_ACCEPTED, ACK_855_LINE_REJECTED, SHIP_856, with_po

AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
SUPPLYCO = PartnerProfile("SUPPLYCO", x12=X12Identity("ZZ", "SUPPLYCO"), sku_xref={"SUP-RED": "WIDGET-RED"})


def _only_set(text: str) -> Transaction:
    checked = check_document(read(text))
    assert len(checked) == 1
    assert checked[0].verdict is Verdict.ACCEPTED, checked[0].problems
    return checked[0].transaction


def test_the_850_reads_back_and_passes_the_schema() -> None:
    po = po_number("ord_01KAAAAAAAAAAAAAAAAAAAAAAA", "SUPPLIER-DS")
    facts = PurchaseOrderFacts(
        po_number=po,
        po_date="20261123",
        order_id="ord_01KAAAAAAAAAAAAAAAAAAAAAAA",
        currency="USD",
        ship_to={"name": "Ann Buyer", "line1": "1 Main St", "city": "New York", "region": "NY", "postal_code": "10001"},
        lines=[PurchaseLine(1, "WIDGET-RED", 2, Decimal("7.50")), PurchaseLine(2, "GADGET", 3, None)],
    )
    spec = EnvelopeSpec(Party("ZZ", "OVERTURE"), Party("ZZ", "SUPPLYCO"))
    text = write_interchange(spec, 7, [GroupDraft("PO", 7, [purchase_order_850(facts, SUPPLYCO)])], AT)

    body = [s.elements for s in _only_set(text).body]

    assert body[0] == ["BEG", "00", "DS", po, "", "20261123"]
    assert ["REF", "CO", "ord_01KAAAAAAAAAAAAAAAAAAAAAAA"] in body
    assert ["N4", "New York", "NY", "10001"] in body
    assert ["PO1", "1", "2", "EA", "7.5", "", "VP", "SUP-RED", "BP", "WIDGET-RED"] in body
    assert ["PO1", "2", "3", "EA", "", "", "BP", "GADGET"] in body
    assert body[-1] == ["CTT", "2"]


def test_po_numbers_fit_beg03_and_name_one_order_at_one_location() -> None:
    first = po_number("ord_01KAAAAAAAAAAAAAAAAAAAAAAA", "DS-1")
    assert len(first) == 22 and first.startswith("DS")
    assert first == po_number("ord_01KAAAAAAAAAAAAAAAAAAAAAAA", "DS-1")
    assert first != po_number("ord_01KAAAAAAAAAAAAAAAAAAAAAAA", "DS-2")
    assert first != po_number("ord_01KAAAAAAAAAAAAAAAAAAAAAAB", "DS-1")


def test_an_accepting_855_reads_each_line() -> None:
    ack = read_po_ack(_only_set(with_po(ACK_855_ACCEPTED, "DSPO1")))
    assert (ack.po_number, ack.purpose) == ("DSPO1", "AD")
    assert list(ack.lines) == [AckLine(1, "IA", 2, "")]


def test_a_rejected_line_keeps_the_suppliers_reason() -> None:
    ack = read_po_ack(_only_set(with_po(ACK_855_LINE_REJECTED, "DSPO1")))
    assert list(ack.lines) == [AckLine(1, "IA", 1, ""), AckLine(2, "IR", 0, "DISCONTINUED BY MANUFACTURER")]


def test_the_856_reads_carrier_tracking_and_items_in_our_skus() -> None:
    notice = read_ship_notice(_only_set(with_po(SHIP_856, "DSPO1")), SUPPLYCO)
    assert (notice.po_number, notice.shipment_id) == ("DSPO1", "SHIP-55")
    assert (notice.carrier, notice.tracking_number) == ("UPSN", "1ZSUPPLIER0001")
    assert notice.shipped_at == datetime(2026, 11, 24, 11, 30, tzinfo=UTC)
    assert list(notice.lines) == [(1, "WIDGET-RED", 2)]


def test_an_856_without_tracking_names_the_missing_segment() -> None:
    text = with_po(SHIP_856, "DSPO1").replace("REF*CN*1ZSUPPLIER0001~\n", "").replace("SE*12", "SE*11")
    with pytest.raises(PayloadError) as raised:
        read_ship_notice(_only_set(text), SUPPLYCO)
    assert raised.value.errors[0].field == "REF*CN"
