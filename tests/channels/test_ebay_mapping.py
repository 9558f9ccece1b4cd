"""The eBay translator on assembled documented orders (fixtures/ebay/PROVENANCE.md) and on bad input, every
refusal naming its field."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from overture.channels.amazon import command_total
from overture.channels.ebay import CHANNEL, translate
from overture.domain.commands import Charge, ChargeKind, LineRequest, Reference
from overture.services.errors import PayloadError

FIXTURES = Path(__file__).parent / "fixtures" / "ebay"


def order(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_bytes())
    return loaded


def fields(body: dict[str, Any]) -> list[str]:
    with pytest.raises(PayloadError) as caught:
        translate(json.dumps(body).encode())
    return [e.field for e in caught.value.errors]


def test_an_order_with_its_collected_tax_in_the_taxes_keeps_tax_and_fee_apart_to_the_cent() -> None:
    command = translate((FIXTURES / "tax_breakdown_recycling_fee.json").read_bytes())

    assert (command.channel, command.external_id, command.currency) == (CHANNEL, "04-05127-72183", "USD")
    assert command.lines == (LineRequest("TV-55-2025", 1, Decimal("263.0")),)
    assert Charge(ChargeKind.SHIPPING, Decimal("1.0"), "deliveryCost.shippingCost", 1) in command.charges
    assert Charge(ChargeKind.TAX, Decimal("24.33"), "STATE_SALES_TAX", 1) in command.charges
    assert Charge(ChargeKind.FEE, Decimal("6.0"), "ELECTRONIC_RECYCLING_FEE", 1) in command.charges
    assert len(command.charges) == 3  # ebayCollectAndRemitTaxes repeats the taxes: counted once
    assert command.declared_total == Decimal("294.33") == command_total(command).amount
    assert Reference("ebay", "sales_record_reference", "8817") in command.references
    assert Reference("ebay", "buyer_username", "m.reader") in command.references
    assert (command.ship_to.name, command.ship_to.line1, command.ship_to.region) == (
        "Jane Kelly",
        "8323 Linville Rd",
        "NC",
    )
    assert command.customer.reference == "m.reader" and command.customer.email == "4f2a9c0d1e@members.ebay.com"


def test_promotions_and_shipping_discounts_lower_the_total_and_an_uneven_line_keeps_its_cents() -> None:
    command = translate((FIXTURES / "two_lines_promotion.json").read_bytes())

    assert command.lines == (
        LineRequest("LTO5-DRIVE", 1, Decimal("120.0")),
        LineRequest("LTO5-TAPE", 3, Decimal("3.333333")),
    )
    by_code = {(c.code, c.line_no): c for c in command.charges}
    assert by_code[("Promotion 5052847011", 1)].amount == Decimal("-5.0")
    assert by_code[("deliveryCost.discountAmount", 1)] == Charge(
        ChargeKind.DISCOUNT, Decimal("-2.5"), "deliveryCost.discountAmount", 1
    )
    assert by_code[("lineItemCost rounding", 2)] == Charge(
        ChargeKind.FEE, Decimal("0.000001"), "lineItemCost rounding", 2
    )
    assert not any(c.kind is ChargeKind.TAX for c in command.charges)  # eBay's own tax, left out of its total
    assert command_total(command).amount == Decimal("130.00") == command.declared_total
    assert command.ship_to.name == "Chris Tran, Tran Tape Services" and command.ship_to.line2 == "Ste N"


def test_a_discount_sent_positive_or_negative_lowers_the_total_alike() -> None:
    body = order("two_lines_promotion.json")
    body["lineItems"][0]["appliedPromotions"][0]["discountAmount"]["value"] = "-5.0"
    body["lineItems"][0]["deliveryCost"]["discountAmount"]["value"] = "2.5"
    command = translate(json.dumps(body).encode())
    assert command_total(command).amount == Decimal("130.00")


def test_a_zero_quantity_line_is_left_out_and_an_adjustment_counts() -> None:
    body = order("two_lines_promotion.json")
    body["lineItems"][1]["quantity"] = 0
    body["pricingSummary"]["adjustment"] = {"value": "-1.50", "currency": "USD"}
    command = translate(json.dumps(body).encode())
    assert [line.sku for line in command.lines] == ["LTO5-DRIVE"]
    assert Charge(ChargeKind.DISCOUNT, Decimal("-1.50"), "adjustment") in command.charges


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("orderId",), "a/b", "orderId"),
        (("pricingSummary", "total", "currency"), "ZZZ", "pricingSummary.total.currency"),
        (("pricingSummary", "total", "value"), "lots", "pricingSummary.total.value"),
        (("lineItems",), [], "lineItems"),
        (("lineItems", 0, "quantity"), "1", "lineItems[0].quantity"),
        (("lineItems", 1, "lineItemCost", "currency"), "EUR", "lineItems[1].lineItemCost.currency"),
        (("lineItems", 0, "lineItemCost", "value"), "-1.0", "lineItems[0].lineItemCost.value"),
        (
            ("fulfillmentStartInstructions", 0, "shippingStep", "shipTo", "contactAddress", "countryCode"),
            "USA",
            "fulfillmentStartInstructions[0].shippingStep.shipTo.contactAddress.countryCode",
        ),
        (
            ("fulfillmentStartInstructions",),
            [{"fulfillmentInstructionsType": "DIGITAL"}],
            "fulfillmentStartInstructions",
        ),
    ],
)
def test_bad_orders_are_refused_naming_the_field(path: tuple[Any, ...], value: Any, field: str) -> None:
    body = order("two_lines_promotion.json")
    holder = body
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = value
    assert field in fields(body)


def test_a_line_without_its_sku_is_refused_by_name() -> None:
    body = order("tax_breakdown_recycling_fee.json")
    del body["lineItems"][0]["sku"]
    assert fields(body) == ["lineItems[0].sku"]


def test_a_body_that_is_not_json_is_refused() -> None:
    with pytest.raises(PayloadError):
        translate(b"{not json")
