"""An ORDERS becomes the canonical order, with the partner's part numbers, units and prices applied."""

from __future__ import annotations

from decimal import Decimal

import pytest

from overture.channels.edifact.envelope import Message, read
from overture.channels.edifact.mapping import to_command
from overture.channels.edifact.orders import number, read_purchase_order
from overture.domain.commands import Charge, ChargeKind, LineRequest, PlaceOrder, Reference
from overture.domain.parties import Address, Customer
from overture.domain.partners import PartnerProfile
from overture.services.errors import PayloadError
from tests.channels.edifact.fixtures import ORDERS_01B_TWO_MESSAGES, ORDERS_96A, ORDERS_OTHER_UNA, SENDER

ACME = PartnerProfile(SENDER, "Acme Stores", uom_factors={"CT": 12})


def _message(text: str, n: int = 0) -> Message:
    return read(text).interchanges[0].messages[n]


def _command(text: str, profile: PartnerProfile = ACME, n: int = 0) -> PlaceOrder:
    message = _message(text, n)
    return to_command(read_purchase_order(message), profile, interchange_reference="ICR", message_reference="1")


def test_the_order_header_parties_lines_and_totals_are_read() -> None:
    order = read_purchase_order(_message(ORDERS_96A))

    assert (order.po_number, order.document_code, order.function) == ("PO-7781", "220", "9")
    assert (order.order_date, order.delivery_date, order.currency) == ("2026-11-23", "2026-11-30", "USD")
    assert order.references == {"CT": "CONTRACT-9"}
    assert order.notes == [("DEL", "Ring at dock 4: side door+knock twice, it's loud?")]
    ship_to = order.parties["ST"]
    assert (ship_to.name, ship_to.street, ship_to.city, ship_to.region, ship_to.postal_code, ship_to.country) == (
        "Acme DC East",
        ("100 Warehouse Rd", "Dock 4"),
        "Edison",
        "NJ",
        "08817",
        "US",
    )
    assert [(line.line_no, line.product_ids, line.quantity, line.unit) for line in order.lines] == [
        ("1", {"BP": "ACME-001", "SA": "WIDGET-RED"}, Decimal(2), "CT"),
        ("2", {"EN": "0012345678905", "SA": "GADGET"}, Decimal(5), "PCE"),
    ]
    assert [(line.net_price, line.amount) for line in order.lines] == [
        (Decimal("48.00"), Decimal("96.00")),
        (Decimal("3.25"), Decimal("16.25")),
    ]
    assert order.lines[0].description == "Red widget, case of 12"
    assert order.charges == [Charge(ChargeKind.SHIPPING, Decimal("10.00"), "FC")]
    assert {k: v for k, (v, _) in order.totals.items()} == {"79": Decimal("112.25"), "86": Decimal("122.25")}


def test_the_command_uses_our_sku_our_units_and_keeps_the_references() -> None:
    command = _command(ORDERS_96A)

    assert command.channel == "edifact" and command.external_id == f"{SENDER}:PO-7781"
    assert command.customer == Customer(SENDER, "Acme Stores", partner_id=SENDER)
    assert command.ship_to == Address("08817", "US", "Acme DC East", "100 Warehouse Rd", "Dock 4", "Edison", "NJ")
    assert command.currency == "USD"
    # 2 cartons of 12 at 48.00 a carton: 24 units at 4.00.
    assert command.lines == (LineRequest("WIDGET-RED", 24, Decimal(4)), LineRequest("GADGET", 5, Decimal("3.25")))
    assert command.charges == (Charge(ChargeKind.SHIPPING, Decimal("10.00"), "FC"),)
    assert command.references == (
        Reference("buyer", "po_number", "PO-7781"),
        Reference("edifact", "interchange", "ICR"),
        Reference("edifact", "message", "1"),
        Reference("buyer", "order_date", "2026-11-23"),
        Reference("buyer", "requested_delivery", "2026-11-30"),
        Reference("buyer", "rff:CT", "CONTRACT-9"),
        Reference("buyer", "note:DEL", "Ring at dock 4: side door+knock twice, it's loud?"),
    )


def test_the_partners_cross_reference_wins_then_sa_then_gtin_then_the_buyers_number() -> None:
    xref = PartnerProfile(SENDER, uom_factors={"CT": 12}, sku_xref={"ACME-001": "WIDGET-BLUE"})
    no_sa = ORDERS_96A.replace("PIA+5+GADGET:SA", "PIA+5+B-77:IN")
    only_buyer = ORDERS_96A.replace("LIN+2++0012345678905:EN'\nPIA+5+GADGET:SA'\n", "LIN+2++B-88:IN'\n")

    assert [line.sku for line in _command(ORDERS_96A, xref).lines] == ["WIDGET-BLUE", "GADGET"]
    assert [line.sku for line in _command(no_sa).lines] == ["WIDGET-RED", "0012345678905"]
    assert [line.sku for line in _command(only_buyer).lines] == ["WIDGET-RED", "B-88"]


def test_gross_price_or_the_contract_price_when_there_is_no_net_price() -> None:
    gross = ORDERS_96A.replace("PRI+AAA:3.25", "PRI+AAB:3.50")
    no_price = ORDERS_96A.replace("PRI+AAA:3.25'\n", "")
    contract = PartnerProfile(SENDER, uom_factors={"CT": 12}, contract_prices={"GADGET": Decimal("2.99")})

    assert _command(gross).lines[1].unit_price == Decimal("3.50")
    assert _command(no_price, contract).lines[1].unit_price == Decimal("2.99")
    with pytest.raises(PayloadError) as raised:
        _command(no_price)
    assert [(e.field, e.code.value) for e in raised.value.errors] == [("LIN[2].PRI", "required")]


def test_a_price_basis_divides_the_price_and_a_decimal_comma_is_a_number() -> None:
    per_hundred = ORDERS_96A.replace("PRI+AAA:3.25", "PRI+AAA:325:::100")
    first, second = _command(ORDERS_01B_TWO_MESSAGES), _command(ORDERS_01B_TWO_MESSAGES, n=1)

    assert _command(per_hundred).lines[1].unit_price == Decimal("3.25")
    assert first.ship_to.postal_code == "02108" and first.lines == (LineRequest("GADGET", 3, Decimal("3.25")),)
    assert second.ship_to.city == "Salem" and second.lines == (LineRequest("WIDGET-RED", 1, Decimal("4.50")),)


def test_other_service_characters_read_to_the_same_command() -> None:
    command = _command(ORDERS_OTHER_UNA)

    assert command.ship_to.name == "Acme =* DC" and command.lines == (LineRequest("GADGET", 4, Decimal("3.25")),)


def test_what_cannot_become_an_order_is_named() -> None:
    text = (
        ORDERS_96A.replace("BGM+220+PO-7781+9", "BGM+220++1")
        .replace("QTY+21:2:CT", "QTY+21:1.5:PCE")
        .replace("QTY+21:5:PCE", "QTY+12:5:PCE")
        .replace("CUX+2:USD:9", "CUX+2:XYZ:9")
        .replace("NJ+08817+US", "NJ+08817+USA")
    )

    with pytest.raises(PayloadError) as raised:
        _command(text)

    assert [(e.field, e.code.value) for e in raised.value.errors] == [
        ("BGM.1004", "required"),
        ("BGM.1225", "invalid_value"),
        ("CUX.6345", "unknown_currency"),
        ("LIN[1].QTY", "invalid_value"),
        ("LIN[2].QTY", "required"),
        ("NAD+ST.3207", "invalid_country"),
    ]


def test_the_buyer_address_is_the_ship_to_when_there_is_no_other() -> None:
    command = _command(ORDERS_01B_TWO_MESSAGES, n=1)

    assert command.ship_to == Address("01970", "US", "Acme Store 14", "9 Main St", "", "Salem", "MA")
    assert command.customer.name == "Acme Store 14"


def test_numbers_are_edifact_numbers_only() -> None:
    assert number("1,5") == Decimal("1.5") and number("-.5") == Decimal("-0.5") and number("12.") == 12
    assert [number(text) for text in ("", "1e5", "+1", "1 000", "$1", "9" * 36)] == [None] * 6
