"""Every channel that states an order total carries it on the command as ``declared_total`` (issue 14),
and on the real documents it equals what the lines and charges add up to (so good orders are not held).

X12: the 850's money total is the summary's ``AMT*TT`` (total transaction amount). ``CTT01`` counts
lines and ``CTT02`` hashes quantities, ``AMT*1`` is the line items' total before charges and an ``AMT``
inside a PO1 loop is a line's: none of them is the order's total."""

from __future__ import annotations

from decimal import Decimal

import pytest

from overture.channels import rest, shopify, woocommerce
from overture.channels.amazon import translate as amazon_translate
from overture.domain.commands import PlaceOrder
from tests.channels.storefront_files import body, fixture_bytes, fixture_json, mapped_total, sample_json
from tests.channels.test_amazon_mapping import body as amazon_body
from tests.channels.test_amazon_mapping import fixture as amazon_fixture
from tests.channels.x12.fixtures import PO_850
from tests.channels.x12.test_po850 import _command as x12_command
from tests.factories import order_payload


def _agrees(command: PlaceOrder) -> bool:
    assert command.declared_total is not None
    return mapped_total(command) == command.declared_total


@pytest.mark.parametrize("name", ["shopify_order_allocations.json", "shopify_order_taxes_included.json"])
def test_shopify_carries_total_price_and_our_fixtures_add_up_to_it(name: str) -> None:
    command = shopify.translate(fixture_bytes(name))
    assert command.declared_total == Decimal(fixture_json(name)["total_price"])
    assert _agrees(command)


def test_shopifys_own_sample_order_declares_a_stale_total_that_the_lines_do_not_make() -> None:
    """order.json says 409.94 for items that add up to 598.94 (see test_shopify_mapping): held, not shipped."""
    command = shopify.translate(body(sample_json("shopify", "python_api", "order.json")["order"]))
    assert command.declared_total == Decimal("409.94")
    assert mapped_total(command) == Decimal("598.94")


@pytest.mark.parametrize("name", ["woocommerce_order_coupon.json", "woocommerce_order_virtual.json"])
def test_woocommerce_carries_total_and_our_fixtures_add_up_to_it(name: str) -> None:
    command = woocommerce.translate(fixture_bytes(name))
    assert command.declared_total == Decimal(fixture_json(name)["total"])
    assert _agrees(command)


def test_woocommerces_sample_order_adds_up_to_its_total() -> None:
    command = woocommerce.translate(body(sample_json("woocommerce", "wc_v3_create_an_order.json")))
    assert _agrees(command)


@pytest.mark.parametrize("name", ["cancelled_item", "jpy_cod_gift_wrap", "multi_item_promotions"])
def test_amazon_carries_order_total_and_its_fixtures_add_up_to_it(name: str) -> None:
    data = amazon_fixture(name)
    command = amazon_translate(amazon_body(data["order"], data["items"]))
    assert command.declared_total == Decimal(data["order"]["OrderTotal"]["Amount"])
    assert _agrees(command)


def test_x12_takes_the_summary_amt_tt_as_the_total() -> None:
    command = x12_command(PO_850.replace("CTT*2~\nSE*14*", "CTT*2~\nAMT*TT*112.25~\nSE*15*"))
    assert command.declared_total == Decimal("112.25")  # 2 cases at 48.00 + 5 at 3.25
    assert _agrees(command)


@pytest.mark.parametrize(
    "summary",
    [
        "CTT*2*7~\nSE*14*",  # CTT02: the hash of quantities (2 + 5), not money
        "CTT*2~\nAMT*1*112.25~\nSE*15*",  # AMT*1: the line items' total, not the transaction's
    ],
)
def test_x12_takes_no_total_from_ctt_or_other_amounts(summary: str) -> None:
    assert x12_command(PO_850.replace("CTT*2~\nSE*14*", summary)).declared_total is None


def test_x12_takes_no_total_from_an_amt_tt_inside_a_line_loop() -> None:
    text = PO_850.replace(
        "PO1*2*5*EA*3.25**BP*ACME-002*UP*012345678905~", "PO1*2*5*EA*3.25**BP*ACME-002*UP*012345678905~\nAMT*TT*16.25~"
    )
    assert x12_command(text.replace("SE*14*", "SE*15*")).declared_total is None


def test_rest_takes_an_optional_declared_total() -> None:
    assert rest.translate(body(order_payload(("A", 1)))).declared_total is None
    declared = rest.translate(body(order_payload(("A", 2), declared_total="19.98")))
    assert declared.declared_total == Decimal("19.98") and _agrees(declared)
