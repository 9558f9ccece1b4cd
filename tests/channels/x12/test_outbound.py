"""855, 856, 810 and 846 as we write them: each reads back with our reader and passes its schema."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from overture.channels.x12.ack997 import Verdict, check_document
from overture.channels.x12.envelope import read
from overture.channels.x12.outbound import (
    LineAck,
    LineDecision,
    OrderFacts,
    OrderLineFacts,
    ShipmentFacts,
    gs1_check_digit,
    inventory_advice_846,
    invoice_810,
    po_ack_855,
    ship_notice_856,
    sscc18,
)
from overture.channels.x12.tokenizer import Delimiters
from overture.channels.x12.writer import EnvelopeSpec, GroupDraft, Party, TransactionDraft, write_interchange
from overture.domain.partners import PartnerProfile

AT = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
ACME = PartnerProfile("ACME", sku_xref={"ACME-001": "WIDGET-RED"})
ORDER = OrderFacts(
    order_id="ord_1",
    po_number="PO-7781",
    po_date="20261123",
    currency="USD",
    ship_to={"name": "Acme DC", "line1": "100 Warehouse Rd", "city": "Edison", "region": "NJ", "postal_code": "08817"},
    lines=[OrderLineFacts(1, "WIDGET-RED", 24, Decimal("4")), OrderLineFacts(2, "GADGET", 5, Decimal("3.25"))],
    total=Decimal("112.25"),
)
SHIPMENT = ShipmentFacts("SHP-1", "UPSN", "1Z999AA10123456784", AT, [(1, 24), (2, 5)], sscc18("0614141", 42))


def _round_trip(functional_id: str, draft: TransactionDraft, delimiters: Delimiters) -> list[list[str]]:
    spec = EnvelopeSpec(Party("ZZ", "OVERTURE"), Party("ZZ", "ACMEBUYER"), delimiters=delimiters)
    document = read(write_interchange(spec, 7, [GroupDraft(functional_id, 7, [draft])], AT))
    (checked,) = check_document(document)
    assert checked.supported, f"no schema for {draft.code}"
    assert checked.problems == [] and checked.verdict is Verdict.ACCEPTED
    return [s.elements for s in checked.transaction.body]


DELIMITERS = [Delimiters("*", ">", "~"), Delimiters("|", "^", "'")]


@pytest.mark.parametrize("delimiters", DELIMITERS)
def test_the_855_accepts_backorders_and_speaks_the_partners_part_numbers(delimiters: Delimiters) -> None:
    decisions = [
        LineDecision(1, LineAck.ACCEPTED, 24),
        LineDecision(2, LineAck.BACKORDERED, 5, expected_date="20261201"),
    ]
    body = _round_trip("PR", po_ack_855(ORDER, decisions, ACME, AT), delimiters)
    assert body[0][:5] == ["BAK", "00", "AC", "PO-7781", "20261123"]
    assert ["PO1", "1", "24", "EA", "4", "", "BP", "ACME-001", "VN", "WIDGET-RED"] in body
    assert ["ACK", "IB", "5", "EA", "068", "20261201"] in body


def test_an_855_for_lines_all_accepted_or_all_rejected_says_so_in_bak02() -> None:
    accepted = po_ack_855(
        ORDER, [LineDecision(1, LineAck.ACCEPTED, 24), LineDecision(2, LineAck.ACCEPTED, 5)], ACME, AT
    )
    rejected = po_ack_855(ORDER, [LineDecision(1, LineAck.REJECTED, 0), LineDecision(2, LineAck.REJECTED, 0)], ACME, AT)
    assert accepted.body[0][2] == "AD" and rejected.body[0][2] == "RJ"


@pytest.mark.parametrize("delimiters", DELIMITERS)
def test_the_856_has_the_shipment_order_pack_item_hierarchy_with_a_valid_sscc(delimiters: Delimiters) -> None:
    body = _round_trip("SH", ship_notice_856(ORDER, SHIPMENT, ACME), delimiters)
    levels = [(s[1], s[2], s[3]) for s in body if s[0] == "HL"]
    assert levels == [("1", "", "S"), ("2", "1", "O"), ("3", "2", "P"), ("4", "3", "I"), ("5", "3", "I")]
    assert ["REF", "CN", "1Z999AA10123456784"] in body and ["PRF", "PO-7781"] in body
    (man,) = [s for s in body if s[0] == "MAN"]
    assert man[1] == "GM" and len(man[2]) == 18 and man[2][-1] == gs1_check_digit(man[2][:17])
    assert ["SN1", "", "24", "EA"] in body and body[-1] == ["CTT", "5"]


@pytest.mark.parametrize("delimiters", DELIMITERS)
def test_the_810_totals_the_order_in_cents(delimiters: Delimiters) -> None:
    body = _round_trip("IN", invoice_810(ORDER, "INV-9", ACME, AT), delimiters)
    assert body[0] == ["BIG", "20261123", "INV-9", "20261123", "PO-7781"]
    assert ["TDS", "11225"] in body
    assert [s[:5] for s in body if s[0] == "IT1"] == [["IT1", "1", "24", "EA", "4"], ["IT1", "2", "5", "EA", "3.25"]]


def test_the_846_advises_what_is_available_per_item() -> None:
    body = _round_trip(
        "IB", inventory_advice_846("ADV-1", [("WIDGET-RED", 40), ("GADGET", 0)], ACME, AT), DELIMITERS[0]
    )
    assert body[1:5] == [
        ["LIN", "1", "BP", "ACME-001", "VN", "WIDGET-RED"],
        ["QTY", "33", "40", "EA"],
        ["LIN", "2", "VN", "GADGET"],
        ["QTY", "33", "0", "EA"],
    ]


@pytest.mark.parametrize(
    ("digits", "check"),
    [
        ("37610425002123456", "9"),  # the SSCC in GS1's General Specifications
        ("629104150021", "3"),  # GTIN-13 6291041500213
        ("03600029145", "2"),  # UPC-A 036000291452
    ],
)
def test_gs1_check_digits_match_published_examples(digits: str, check: str) -> None:
    assert gs1_check_digit(digits) == check


def test_an_sscc_is_eighteen_digits_and_refuses_what_does_not_fit() -> None:
    assert sscc18("0614141", 42) == "006141410000000425"
    with pytest.raises(ValueError, match="17 digits"):
        sscc18("0614141", 10**12)
