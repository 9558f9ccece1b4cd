"""An 850 becomes the canonical order, with the partner's part numbers and units turned into ours."""

from __future__ import annotations

from decimal import Decimal

import pytest

from overture.channels.x12.envelope import read
from overture.channels.x12.po850 import read_purchase_order, to_command
from overture.domain.commands import PlaceOrder
from overture.domain.partners import PartnerProfile
from overture.services.errors import PayloadError
from tests.channels.x12.fixtures import PO_850
from tests.channels.x12.test_samples import X12_SAMPLES

ACME = PartnerProfile("ACME", "Acme Stores", sku_xref={"ACME-001": "WIDGET-RED"}, uom_factors={"CA": 12})


def _command(text: str | bytes, profile: PartnerProfile = ACME) -> PlaceOrder:
    interchange, group, transaction = next(iter(read(text).transactions()))
    order = read_purchase_order(transaction, interchange.delimiters)
    return to_command(order, profile, interchange=interchange, group=group, transaction=transaction)


def test_the_purchase_order_header_parties_and_lines_are_read() -> None:
    interchange, _, transaction = next(iter(read(PO_850).transactions()))
    order = read_purchase_order(transaction, interchange.delimiters)
    assert (order.po_number, order.date, order.currency) == ("PO-7781", "20261123", "USD")
    assert order.dates == {"002": "20261130"}
    assert order.references == {"DP": "042"}
    assert order.parties["ST"]["postal_code"] == "08817" and order.parties["ST"]["line2"] == "Dock 4"
    assert [line.product_ids for line in order.lines] == [
        {"BP": "ACME-001", "VN": "WIDGET-RED"},
        {"BP": "ACME-002", "UP": "012345678905"},
    ]
    assert order.lines[0].description == "Red widget, case of 12"


def test_cross_reference_and_units_give_our_sku_quantity_and_unit_price() -> None:
    command = _command(PO_850)
    assert command.external_id == "ACME:PO-7781"
    assert [(x.sku, x.quantity, x.unit_price) for x in command.lines] == [
        ("WIDGET-RED", 24, Decimal("4")),  # 2 cases of 12 at 48.00 a case
        ("012345678905", 5, Decimal("3.25")),  # no cross-reference: the UPC, as no better id is given
    ]
    assert command.ship_to.city == "Edison" and command.ship_to.country == "US"
    assert ("buyer", "po_number", "PO-7781") in [(r.system, r.kind, r.value) for r in command.references]


def test_a_line_count_that_does_not_match_ctt_is_refused_by_field() -> None:
    with pytest.raises(PayloadError) as raised:
        _command(PO_850.replace("CTT*2~", "CTT*3~"))
    assert [e.field for e in raised.value.errors] == ["CTT01"]


def test_a_fractional_quantity_and_a_missing_price_are_named_by_line_and_element() -> None:
    text = PO_850.replace("PO1*2*5*EA*3.25", "PO1*2*5.5*EA*3.25").replace("PO1*1*2*CA*48.00", "PO1*1*2*CA*")
    with pytest.raises(PayloadError) as raised:
        _command(text)
    assert [e.field for e in raised.value.errors] == ["PO1[1].PO104", "PO1[2].PO102"]


@pytest.mark.skipif(not X12_SAMPLES.is_dir(), reason=f"shared samples not present at {X12_SAMPLES}")
@pytest.mark.parametrize(
    ("name", "po_number", "lines"),
    [
        ("node_x12/850.edi", "08292233294", 6),
        ("node_x12/850_3.edi", "----------", 1),
        ("edinet/x12.850.edi", "1000012", 1),
        ("edinet/x12.850a.edi", "4600000406", 3),
    ],
)
def test_sample_purchase_orders_become_orders(name: str, po_number: str, lines: int) -> None:
    data = (X12_SAMPLES / name).read_bytes()
    interchange = read(data).interchanges[0]
    command = _command(data, PartnerProfile(interchange.sender[1]))
    assert command.external_id.endswith(f":{po_number}")
    assert len(command.lines) == lines
    assert all(line.quantity > 0 and line.unit_price > 0 for line in command.lines)
