"""Shopify order webhooks -> PlaceOrder: every field mapped exactly, totals equal to the cent.

Our fixtures (tests/channels/fixtures) cover each mapping rule; the golden tests run the real
documents of Shopify's own Python API library (../shared/samples/shopify/python_api).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from overture.channels import shopify
from overture.domain.commands import Charge, ChargeKind, LineRequest, Reference
from overture.domain.parties import Address, Customer
from overture.services.errors import ErrorCode, PayloadError
from tests.channels.storefront_files import body, fixture_bytes, fixture_json, mapped_total, sample_json

D = Decimal
SHIPPING, TAX, DISCOUNT, FEE = ChargeKind.SHIPPING, ChargeKind.TAX, ChargeKind.DISCOUNT, ChargeKind.FEE


def _errors(document: dict[str, Any] | bytes) -> list[tuple[str, ErrorCode]]:
    raw = document if isinstance(document, bytes) else body(document)
    with pytest.raises(PayloadError) as caught:
        shopify.translate(raw)
    return [(e.field, e.code) for e in caught.value.errors]


# ---- our fixtures: each rule ----------------------------------------------------------------------


def test_lines_take_the_sku_else_a_stable_variant_or_line_item_stand_in() -> None:
    command = shopify.translate(fixture_bytes("shopify_order_allocations.json"))
    assert command.channel == "shopify"
    assert command.external_id == "5840012345678"
    assert command.currency == "USD"
    assert command.lines == (
        LineRequest("TSHIRT-BLK-M", 2, D("25.00")),
        LineRequest("shopify:variant:1002", 1, D("19.99")),  # "sku": null
        LineRequest("shopify:line_item:13003", 1, D("10.00")),  # a custom item: no sku, variant or product
    )


def test_discount_allocations_tax_lines_shipping_and_tip_become_charges_on_the_right_lines() -> None:
    command = shopify.translate(fixture_bytes("shopify_order_allocations.json"))
    assert command.charges == (
        Charge(SHIPPING, D("8.00"), "Standard"),
        Charge(DISCOUNT, D("-5.00"), "SPRING10", 1),
        Charge(DISCOUNT, D("-2.00"), "SPRING10", 2),
        Charge(DISCOUNT, D("-8.00"), "Free shipping over $50"),  # a shipping line's allocation: order-level
        Charge(TAX, D("1.80"), "NY State Tax", 1),
        Charge(TAX, D("2.03"), "NYC Tax", 1),
        Charge(TAX, D("0.72"), "NY State Tax", 2),
        Charge(TAX, D("0.81"), "NYC Tax", 2),
        Charge(TAX, D("0.40"), "NY State Tax", 3),
        Charge(TAX, D("0.45"), "NYC Tax", 3),
        Charge(FEE, D("3.00"), "tip"),
    )


def test_order_level_tax_lines_and_discount_codes_are_not_counted_again_beside_the_per_line_ones() -> None:
    document = fixture_json("shopify_order_allocations.json")
    command = shopify.translate(body(document))
    taxes = sum(c.amount for c in command.charges if c.kind is TAX)
    discounts = sum(c.amount for c in command.charges if c.kind is DISCOUNT)
    assert taxes == D(document["total_tax"]) == sum(D(t["price"]) for t in document["tax_lines"])
    assert -discounts == D(document["total_discounts"])
    assert mapped_total(command) == D(document["total_price"]) == D("82.20")


def test_customer_ship_to_and_references() -> None:
    command = shopify.translate(fixture_bytes("shopify_order_allocations.json"))
    assert command.customer == Customer(reference="5551", name="Ann Buyer", email="ann@example.com")
    # The shipping address, not the billing one (Newark NJ).
    assert command.ship_to == Address(
        postal_code="10001",
        country="US",
        name="Ann Buyer",
        line1="1 Main St",
        line2="Apt 4",
        city="New York",
        region="NY",
    )
    assert command.references == (
        Reference("shopify", "order_name", "#1042"),
        Reference("shopify", "order_number", "1042"),
        Reference("shopify", "financial_status", "paid"),
        Reference("shopify", "total", "82.20"),
    )


def test_prices_that_include_tax_are_not_taxed_again_and_the_included_tax_is_kept() -> None:
    document = fixture_json("shopify_order_taxes_included.json")
    command = shopify.translate(body(document))
    assert command.currency == "GBP"
    assert command.lines == (LineRequest("EBOOK-1", 1, D("12.00")), LineRequest("EBOOK-2", 2, D("6.00")))
    assert command.charges == (Charge(DISCOUNT, D("-4.00"), "WELCOME"),)  # no allocations: the code, order-level
    assert Reference("shopify", "included_tax", "3.33") in command.references
    assert Reference("shopify", "financial_status", "pending") in command.references
    assert mapped_total(command) == D(document["total_price"]) == D("20.00")


def test_a_guest_without_shipping_address_ships_to_the_billing_address() -> None:
    command = shopify.translate(fixture_bytes("shopify_order_taxes_included.json"))
    assert command.customer == Customer(reference="", name="Rita Reader", email="reader@example.co.uk")
    assert command.ship_to == Address(
        postal_code="SW1A 2AA", country="GB", name="Rita Reader", line1="10 Downing Street", city="London"
    )


def test_older_payloads_with_total_discount_per_line_are_discounted_per_line() -> None:
    document = fixture_json("shopify_order_allocations.json")
    for item in document["line_items"]:
        del item["discount_allocations"]
    document["shipping_lines"][0]["discount_allocations"] = []
    command = shopify.translate(body(document))
    discounts = [c for c in command.charges if c.kind is DISCOUNT]
    assert discounts == [Charge(DISCOUNT, D("-5.00"), "", 1), Charge(DISCOUNT, D("-2.00"), "", 2)]


def test_without_any_discount_detail_total_discounts_is_one_order_discount() -> None:
    document = fixture_json("shopify_order_taxes_included.json")
    document["discount_codes"] = []
    command = shopify.translate(body(document))
    assert command.charges == (Charge(DISCOUNT, D("-4.00"), ""),)


def test_without_tax_lines_total_tax_is_one_order_tax() -> None:
    document = fixture_json("shopify_order_allocations.json")
    for item in document["line_items"]:
        item["tax_lines"] = []
    document["tax_lines"] = []
    command = shopify.translate(body(document))
    assert [c for c in command.charges if c.kind is TAX] == [Charge(TAX, D("6.21"), "")]
    assert mapped_total(command) == D("82.20")


def test_an_order_with_no_usable_address_is_refused_naming_the_field() -> None:
    document = fixture_json("shopify_order_taxes_included.json")
    document["billing_address"]["zip"] = None
    assert _errors(document) == [("shipping_address", ErrorCode.REQUIRED)]


def test_bad_payloads_are_refused_with_field_errors() -> None:
    document = fixture_json("shopify_order_allocations.json")
    document["currency"] = "XYZ"
    document["line_items"][0]["quantity"] = 0
    document["line_items"][1]["price"] = "nineteen"
    assert sorted(_errors(document)) == [
        ("currency", ErrorCode.UNKNOWN_CURRENCY),
        ("line_items[0].quantity", ErrorCode.OUT_OF_RANGE),
        ("line_items[1].price", ErrorCode.WRONG_TYPE),
    ]
    assert _errors(b"{not json") == [("body", ErrorCode.MALFORMED_JSON)]
    assert _errors({"currency": "USD", "line_items": []}) == [("id", ErrorCode.REQUIRED)]


def test_an_order_without_line_items_is_refused() -> None:
    document = fixture_json("shopify_order_allocations.json")
    document["line_items"] = []
    assert _errors(document) == [("line_items", ErrorCode.REQUIRED)]


# ---- golden: Shopify's own fixtures ----------------------------------------------------------------


def test_golden_order_json_maps_every_field() -> None:
    order = sample_json("shopify", "python_api", "order.json")["order"]
    command = shopify.translate(body(order))
    assert command.external_id == "450789469"
    assert command.customer == Customer(reference="207119551", name="Bob Norman", email="bob.norman@hostmail.com")
    assert command.ship_to == Address(
        postal_code="40202", country="US", name="Bob Norman", line1="Chestnut Street 92", city="Louisville", region="KY"
    )
    assert command.lines == (
        LineRequest("IPOD2008GREEN", 1, D("199.00")),
        LineRequest("IPOD2008RED", 1, D("199.00")),
        LineRequest("IPOD2008BLACK", 1, D("199.00")),
    )
    assert command.charges == (
        Charge(SHIPPING, D("0.00"), "Free Shipping"),
        Charge(DISCOUNT, D("-10.00"), "TENOFF"),
        Charge(TAX, D("11.94"), "State Tax"),
    )
    assert command.references == (
        Reference("shopify", "order_name", "#1001"),
        Reference("shopify", "order_number", "1001"),
        Reference("shopify", "financial_status", "authorized"),
        Reference("shopify", "total", "409.94"),
    )


def test_golden_order_json_total_is_what_its_lines_and_charges_add_up_to() -> None:
    """order.json's summary figures are stale, so its total_price cannot be met.

    It lists three line items at 199.00 (597.00) and the discount code TENOFF of 10.00, but says
    ``total_line_items_price`` 398.00 (two items), ``total_discounts`` 0.00 and ``total_price``
    409.94 = 398.00 + 11.94 tax: figures from before the third item and the code were added to the
    fixture. What its items, discount, tax and shipping add up to is 597.00 - 10.00 + 11.94 + 0.00
    = 598.94, which is exactly the ``total_price`` of the same order (450789469) in orders.json.
    """
    order = sample_json("shopify", "python_api", "order.json")["order"]
    assert D(order["total_price"]) == D(order["total_line_items_price"]) + D(order["total_tax"]) == D("409.94")
    assert sum(D(i["price"]) * i["quantity"] for i in order["line_items"]) == D("597.00")

    total = mapped_total(shopify.translate(body(order)))

    assert total == D("598.94")
    same_order = sample_json("shopify", "python_api", "orders.json")["orders"][0]
    assert same_order["id"] == order["id"]
    assert total == D(same_order["total_price"])


def test_golden_orders_json_has_no_line_items_so_it_is_refused_but_its_charges_add_up() -> None:
    """orders.json's one order carries summary figures but no line_items: it cannot become an order.

    Everything else maps, and the charges read from its order-level fields (total_discounts and
    total_tax, since it has neither discount_codes nor tax_lines) plus total_line_items_price make
    its total_price to the cent: 597.00 - 10.00 + 11.94 = 598.94.
    """
    for order in sample_json("shopify", "python_api", "orders.json")["orders"]:
        assert "line_items" not in order
        assert _errors(order) == [("line_items", ErrorCode.REQUIRED)]

        parsed = shopify.parse(body(order))
        charges = shopify.charges_of(parsed)
        assert charges == [Charge(DISCOUNT, D("-10.00"), ""), Charge(TAX, D("11.94"), "")]
        lines_total = D(order["total_line_items_price"])
        assert lines_total + sum(c.amount for c in charges) == D(order["total_price"]) == D("598.94")
        assert shopify.customer_of(parsed) == Customer("207119551", "Bob Norman", "bob.norman@hostmail.com")
        assert shopify.ship_to_of(parsed).postal_code == "40202"
        assert Reference("shopify", "financial_status", "partially_refunded") in shopify.references_of(parsed)


# ---- other topics ----------------------------------------------------------------------------------


def test_a_refund_names_the_order_the_amount_and_the_lines() -> None:
    refund = sample_json("shopify", "python_api", "refund.json")["refund"]
    event = shopify.describe("refunds/create", body(refund))
    assert event.external_id == "450789469"
    assert not event.cancel
    assert event.note == (
        "Shopify refund 509562969: 209.00 USD; lines IPOD2008BLACK x1, IPOD2008GREEN x1 (restocked); "
        "note: it broke during shipping"
    )


def test_a_cancellation_asks_for_a_cancel_with_shopify_s_reason() -> None:
    document = fixture_json("shopify_order_allocations.json")
    document.update(cancel_reason="customer", cancelled_at="2024-04-02T11:00:00-04:00")
    event = shopify.describe("orders/cancelled", body(document))
    assert (event.external_id, event.cancel, event.cancel_reason) == ("5840012345678", True, "Shopify: customer")
    assert event.note == "Shopify cancelled order #1042 (customer)"


def test_an_update_is_a_note_that_never_cancels() -> None:
    document = fixture_json("shopify_order_allocations.json")
    document.update(financial_status="refunded", fulfillment_status="fulfilled")
    event = shopify.describe("orders/updated", body(document))
    assert (event.external_id, event.cancel) == ("5840012345678", False)
    assert "financial status refunded, fulfilment fulfilled" in event.note


def test_a_topic_about_no_order_names_no_order() -> None:
    event = shopify.describe("products/update", json.dumps({"id": 1, "title": "T-shirt"}).encode())
    assert event.external_id is None
    assert event.note == "Shopify products/update received"
