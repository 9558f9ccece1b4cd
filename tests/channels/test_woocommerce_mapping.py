"""WooCommerce order webhooks -> PlaceOrder: every field mapped exactly, totals equal to the cent.

Our fixtures (tests/channels/fixtures) cover each mapping rule; the golden tests run every order
in the WooCommerce REST API documentation's examples (../shared/samples/woocommerce).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from overture.channels import woocommerce
from overture.domain.commands import Charge, ChargeKind, LineRequest, Reference
from overture.domain.parties import Address, Customer
from overture.services.errors import ErrorCode, PayloadError
from tests.channels.storefront_files import body, fixture_bytes, fixture_json, mapped_total, sample_json

D = Decimal
SHIPPING, TAX, DISCOUNT, FEE = ChargeKind.SHIPPING, ChargeKind.TAX, ChargeKind.DISCOUNT, ChargeKind.FEE


def _errors(document: dict[str, Any]) -> list[tuple[str, ErrorCode]]:
    with pytest.raises(PayloadError) as caught:
        woocommerce.translate(body(document))
    return [(e.field, e.code) for e in caught.value.errors]


# ---- our fixtures: each rule ----------------------------------------------------------------------


def test_lines_take_the_subtotal_unit_price_and_the_sku_else_the_variation_or_product() -> None:
    command = woocommerce.translate(fixture_bytes("woocommerce_order_coupon.json"))
    assert (command.channel, command.external_id, command.currency) == ("woocommerce", "4101", "USD")
    assert command.lines == (
        LineRequest("MUG-RED", 3, D("10.00")),  # subtotal 30.00 / 3: the price before the coupon
        LineRequest("woocommerce:variation:61", 3, D("3.333333")),  # 10.00 / 3, to six places
        LineRequest("woocommerce:product:70", 1, D("5.00")),
    )


def test_coupons_fees_shipping_and_taxes_become_charges_and_a_uneven_split_keeps_its_remainder() -> None:
    command = woocommerce.translate(fixture_bytes("woocommerce_order_coupon.json"))
    assert command.charges == (
        Charge(SHIPPING, D("7.50"), "flat_rate"),
        Charge(FEE, D("2.00"), "Gift wrap"),
        Charge(DISCOUNT, D("-3.00"), "save10", 1),
        Charge(DISCOUNT, D("-1.00"), "save10", 2),
        # 3 x 3.333333 = 9.999999: the line still adds up to its 10.00 subtotal.
        Charge(FEE, D("0.000001"), "rounding", 2),
        Charge(DISCOUNT, D("-0.50"), "save10", 3),
        Charge(TAX, D("2.16"), "US-NY-SALES-1", 1),
        Charge(TAX, D("0.72"), "US-NY-SALES-1", 2),
        Charge(TAX, D("0.36"), "US-NY-SALES-1", 3),
        Charge(TAX, D("0.6"), "US-NY-SALES-1"),  # shipping tax
        Charge(TAX, D("0.16"), "US-NY-SALES-1"),  # fee tax
    )
    assert mapped_total(command) == D("54.00")


def test_each_line_adds_up_to_its_subtotal_exactly() -> None:
    document = fixture_json("woocommerce_order_coupon.json")
    command = woocommerce.translate(body(document))
    for n, (line, item) in enumerate(zip(command.lines, document["line_items"], strict=True), start=1):
        rounding = sum(c.amount for c in command.charges if c.line_no == n and c.code == "rounding")
        assert line.unit_price * line.quantity + rounding == D(item["subtotal"])


def test_customer_ship_to_and_references() -> None:
    command = woocommerce.translate(fixture_bytes("woocommerce_order_coupon.json"))
    assert command.customer == Customer(reference="12", name="Ann Buyer", email="ann@example.com")
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
        Reference("woocommerce", "order_number", "4101"),
        Reference("woocommerce", "order_key", "wc_order_Xy12AbC"),
        Reference("woocommerce", "status", "processing"),
        Reference("woocommerce", "financial_status", "paid"),
        Reference("woocommerce", "total", "54.00"),
    )


def test_unrounded_line_taxes_are_kept_and_the_order_s_rounding_is_one_more_tax_charge() -> None:
    document = fixture_json("woocommerce_order_virtual.json")
    command = woocommerce.translate(body(document))
    assert command.charges == (
        Charge(TAX, D("0.7992"), "DE-MWST-1", 1),
        Charge(TAX, D("0.4792"), "DE-MWST-1", 2),
        Charge(TAX, D("0.0016"), "rounding"),  # WooCommerce rounds the order's total_tax (1.28) once
    )
    assert sum(c.amount for c in command.charges) == D(document["total_tax"])
    assert mapped_total(command) == D(document["total"]) == D("17.26")


def test_a_guest_s_virtual_order_ships_to_the_billing_address_and_is_unpaid() -> None:
    command = woocommerce.translate(fixture_bytes("woocommerce_order_virtual.json"))
    assert command.customer == Customer(reference="", name="Jonas Leser", email="jonas@example.de")
    assert command.ship_to == Address(
        postal_code="10115", country="DE", name="Jonas Leser", line1="Invalidenstraße 117", city="Berlin"
    )
    assert Reference("woocommerce", "financial_status", "unpaid") in command.references
    assert command.lines[1] == LineRequest("woocommerce:product:81", 1, D("5.99"))


def test_a_create_request_with_set_paid_counts_as_paid() -> None:
    document = fixture_json("woocommerce_order_virtual.json")
    document["set_paid"] = True
    assert Reference("woocommerce", "financial_status", "paid") in woocommerce.translate(body(document)).references


def test_line_taxes_without_a_breakdown_use_the_line_s_total_tax() -> None:
    document = fixture_json("woocommerce_order_coupon.json")
    for item in document["line_items"]:
        item["taxes"] = []
    command = woocommerce.translate(body(document))
    assert [c for c in command.charges if c.kind is TAX and c.line_no] == [
        Charge(TAX, D("2.16"), "", 1),
        Charge(TAX, D("0.72"), "", 2),
        Charge(TAX, D("0.36"), "", 3),
    ]
    assert mapped_total(command) == D("54.00")


def test_bad_payloads_are_refused_with_field_errors() -> None:
    document = fixture_json("woocommerce_order_coupon.json")
    document["currency"] = "ABC"
    document["line_items"][0]["quantity"] = -1
    del document["line_items"][1]["subtotal"]
    assert sorted(_errors(document)) == [
        ("currency", ErrorCode.UNKNOWN_CURRENCY),
        ("line_items[0].quantity", ErrorCode.OUT_OF_RANGE),
        ("line_items[1].subtotal", ErrorCode.REQUIRED),
    ]


def test_no_lines_or_no_address_is_refused() -> None:
    document = fixture_json("woocommerce_order_virtual.json")
    document["line_items"] = []
    assert _errors(document) == [("line_items", ErrorCode.REQUIRED)]
    document = fixture_json("woocommerce_order_virtual.json")
    document["billing"]["country"] = ""
    assert _errors(document) == [("shipping", ErrorCode.REQUIRED)]


# ---- golden: every order in the WooCommerce REST API documentation's examples ------------------------


def _sample_orders() -> list[tuple[str, dict[str, Any]]]:
    orders = [
        ("create_an_order", sample_json("woocommerce", "wc_v3_create_an_order.json")),
        ("update_an_order", sample_json("woocommerce", "wc_v3_update_an_order.json")),
    ]
    orders += [
        (f"list_all_orders[{n}]", o) for n, o in enumerate(sample_json("woocommerce", "wc_v3_list_all_orders.json"))
    ]
    batch = sample_json("woocommerce", "wc_v3_batch_update_orders.json")
    orders += [
        (f"batch_update_orders.{part}[{n}]", o)
        for part in ("create", "update", "delete")
        for n, o in enumerate(batch[part])
    ]
    return orders


def test_golden_every_sample_order_totals_to_the_cent() -> None:
    orders = _sample_orders()
    assert len(orders) == 8
    for name, order in orders:
        command = woocommerce.translate(body(order))
        assert mapped_total(command) == D(order["total"]), name
        assert len(command.lines) == len(order["line_items"]), name
        # Our fixtures carry the rounding cases; no documentation example needs a rounding charge.
        assert not [c for c in command.charges if c.code == "rounding"], name


def test_golden_create_an_order_maps_every_field() -> None:
    order = sample_json("woocommerce", "wc_v3_create_an_order.json")
    command = woocommerce.translate(body(order))
    assert command.external_id == "727"
    assert command.customer == Customer(reference="", name="John Doe", email="john.doe@example.com")
    assert command.ship_to == Address(
        postal_code="94103", country="US", name="John Doe", line1="969 Market", city="San Francisco", region="CA"
    )
    assert command.lines == (LineRequest("woocommerce:product:93", 2, D("3.00")), LineRequest("Bar3", 1, D("12.00")))
    assert command.charges == (
        Charge(SHIPPING, D("10.00"), "flat_rate"),
        Charge(TAX, D("0.45"), "US-CA-STATE TAX", 1),
        Charge(TAX, D("0.9"), "US-CA-STATE TAX", 2),
    )
    assert command.references == (
        Reference("woocommerce", "order_number", "727"),
        Reference("woocommerce", "order_key", "wc_order_58d2d042d1d"),
        Reference("woocommerce", "status", "processing"),
        Reference("woocommerce", "financial_status", "paid"),
        Reference("woocommerce", "total", "29.35"),
    )


def test_golden_batch_order_728_line_taxes_are_unrounded_and_add_up_to_the_order_tax() -> None:
    """Rounded per line, its taxes would be 1.13 + 0.23 + 0.90 = 2.26; the order says 2.25.

    WooCommerce lists each line's tax unrounded (1.125, 0.225, 0.9) and rounds the order once,
    so taking the unrounded figures gives exactly 2.25 and the total 62.25.
    """
    order = sample_json("woocommerce", "wc_v3_batch_update_orders.json")["create"][0]
    assert order["id"] == 728
    assert sum(D(i["total_tax"]) for i in order["line_items"]) == D("2.26") != D(order["total_tax"])
    command = woocommerce.translate(body(order))
    assert [c.amount for c in command.charges if c.kind is TAX] == [D("1.125"), D("0.225"), D("0.9")]
    assert mapped_total(command) == D("62.25")


def test_golden_a_customer_order_abroad_with_refunds() -> None:
    order = sample_json("woocommerce", "wc_v3_list_all_orders.json")[1]
    command = woocommerce.translate(body(order))
    assert command.customer == Customer(reference="26", name="João Silva", email="joao.silva@example.com")
    assert (command.ship_to.country, command.ship_to.postal_code, command.ship_to.region) == ("BR", "12345-000", "RJ")
    # Refunds do not lower WooCommerce's total: the order is captured as it was bought.
    assert mapped_total(command) == D(order["total"]) == D("39.00")
    assert Reference("woocommerce", "financial_status", "unpaid") in command.references  # date_paid is null


# ---- other topics ----------------------------------------------------------------------------------


def test_golden_an_update_of_a_refunded_order_notes_the_refunds() -> None:
    order = sample_json("woocommerce", "wc_v3_list_all_orders.json")[1]
    refund = sample_json("woocommerce", "wc_v3_create_a_refund.json")
    # The refund sample is one of the refunds this order lists (WooCommerce has no refund topic:
    # a refund reaches us as order.updated).
    assert {"id": refund["id"], "refund": "", "total": f"-{refund['amount']}"} in order["refunds"]
    event = woocommerce.describe("order.updated", body(order))
    assert (event.external_id, event.cancel) == ("723", False)
    assert (
        event.note
        == "WooCommerce order.updated for order #723: status completed, refunded 19.00; recorded, not placed again"
    )


def test_an_update_to_cancelled_asks_for_a_cancel() -> None:
    document = fixture_json("woocommerce_order_coupon.json")
    document["status"] = "cancelled"
    event = woocommerce.describe("order.updated", body(document))
    assert (event.external_id, event.cancel, event.cancel_reason) == ("4101", True, "cancelled in WooCommerce")


def test_a_deletion_is_recorded_but_does_not_cancel() -> None:
    event = woocommerce.describe("order.deleted", b'{"id": 4101}')
    assert (event.external_id, event.cancel) == ("4101", False)
    assert "deleted" in event.note


def test_a_topic_about_no_order_names_no_order() -> None:
    event = woocommerce.describe("product.updated", b'{"id": 93}')
    assert event.external_id is None
