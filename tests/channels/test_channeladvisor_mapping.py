"""The ChannelAdvisor translator on assembled documented orders (fixtures/channeladvisor/PROVENANCE.md) and on
bad input, every refusal naming its field."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from overture.channels.amazon import command_total
from overture.channels.channeladvisor import CHANNEL, translate
from overture.domain.commands import Charge, ChargeKind, LineRequest, Reference
from overture.services.errors import PayloadError

FIXTURES = Path(__file__).parent / "fixtures" / "channeladvisor"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def edited(name: str, **changes: Any) -> bytes:
    order = json.loads(raw(name))
    order.update(changes)
    return json.dumps(order).encode()


def fields(body: bytes) -> list[str]:
    with pytest.raises(PayloadError) as caught:
        translate(body)
    return [e.field for e in caught.value.errors]


def test_a_walmart_order_through_channeladvisor_keeps_its_site_and_its_money_to_the_cent() -> None:
    command = translate(raw("walmart_marketplace.json"))

    assert (command.channel, command.external_id, command.currency) == (CHANNEL, "4445862222", "USD")
    assert command.lines == (
        LineRequest("CA-1001", 2, Decimal("19.99")),
        LineRequest("CA-1002", 1, Decimal("15.0")),
    )  # the cancelled item (Quantity 0) is left out
    assert Reference("channeladvisor", "site_name", "Walmart Marketplace") in command.references
    assert Reference("channeladvisor", "site_id", "996") in command.references
    assert Reference("channeladvisor", "site_order_id", "1796277083022") in command.references
    assert Charge(ChargeKind.DISCOUNT, Decimal("-1.0"), "Promotion SHIPSAVE shipping", 1) in command.charges
    assert Charge(ChargeKind.FEE, Decimal("0.5"), "RecyclingFee", 2) in command.charges
    assert Charge(ChargeKind.DISCOUNT, Decimal("-2.5"), "AdditionalCostOrDiscount") in command.charges
    assert command.declared_total == Decimal("65.0")
    assert command_total(command).amount == Decimal("65.00")
    assert command.ship_to.name == "Luis Ortega, Ortega Print Shop" and command.ship_to.region == "TX"
    assert command.customer.email == "2F1A7C9E0B6D4E21@relay.walmart.com"


def test_the_documented_ebay_order_reads_with_its_promotion_as_a_discount() -> None:
    command = translate(raw("ebay_non_exported.json"))

    assert command.external_id == "19918546"
    assert Reference("channeladvisor", "site_name", "eBay Fixed Price US") in command.references
    assert Reference("channeladvisor", "secondary_site_order_id", "885689") in command.references
    by_code = {c.code: c for c in command.charges}
    assert by_code["Promotion WELCOME1"] == Charge(ChargeKind.DISCOUNT, Decimal("-1.0"), "Promotion WELCOME1", 1)
    assert by_code["TaxPrice"].amount == Decimal("1.98") and by_code["ShippingPrice"].kind is ChargeKind.SHIPPING
    assert command_total(command).amount == Decimal("32.46") == command.declared_total
    assert (command.ship_to.line1, command.ship_to.line2, command.ship_to.postal_code) == (
        "123 Main St",
        "Apt 4",
        "27601",
    )


def test_a_discount_sent_positive_still_lowers_the_total() -> None:
    order = json.loads(raw("ebay_non_exported.json"))
    order["Items"][0]["Promotions"][0]["Amount"] = 1.0
    command = translate(json.dumps(order).encode())
    assert command_total(command).amount == Decimal("32.46")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ShippingPostalCode": None}, "ShippingPostalCode"),
        ({"ShippingCountry": "USA"}, "ShippingCountry"),
        ({"Currency": "ZZZ"}, "Currency"),
        ({"TotalPrice": "lots"}, "TotalPrice"),
        ({"Items": []}, "Items"),
        ({"ID": "19918546"}, "ID"),
    ],
)
def test_bad_orders_are_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    assert field in fields(edited("ebay_non_exported.json", **changes))


def test_bad_items_are_refused_naming_the_item_and_field() -> None:
    order = json.loads(raw("walmart_marketplace.json"))
    del order["Items"][1]["Sku"]
    order["Items"][0]["Quantity"] = -1
    found = fields(json.dumps(order).encode())
    assert found == ["Items[0].Quantity", "Items[1].Sku"]


def test_an_order_whose_items_are_all_cancelled_is_refused() -> None:
    order = json.loads(raw("walmart_marketplace.json"))
    for item in order["Items"]:
        item["Quantity"] = 0
    assert fields(json.dumps(order).encode()) == ["Items"]


def test_a_body_that_is_not_json_is_refused() -> None:
    with pytest.raises(PayloadError):
        translate(b"{not json")
