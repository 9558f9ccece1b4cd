"""Walmart Marketplace orders (channels/walmart.py) on Walmart's own documented example answer
(tests/channels/fixtures/walmart/PROVENANCE.md) and on bad input, fields named."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from overture.channels.walmart import translate
from overture.connectors.walmart_source import skip_reason
from overture.domain.commands import ChargeKind
from overture.services.errors import PayloadError

FIXTURE = Path(__file__).parent / "fixtures" / "walmart" / "get_all_orders.json"


def documented() -> dict[str, dict[str, Any]]:
    orders = json.loads(FIXTURE.read_text())["list"]["elements"]["order"]
    return {o["purchaseOrderId"]: o for o in orders}


def test_the_documented_created_order_maps_to_its_lines_tax_and_address() -> None:
    command = translate(json.dumps(documented()["1796277083022"]).encode())

    assert (command.channel, command.external_id, command.currency) == ("walmart", "1796277083022", "USD")
    (line,) = command.lines
    assert (line.sku, line.quantity, line.unit_price) == ("test1", 1, Decimal(10))
    assert [(c.kind, c.amount, c.line_no) for c in command.charges] == [(ChargeKind.TAX, Decimal("0.8"), 1)]
    address = command.ship_to
    assert (
        address.name,
        address.line1,
        address.line2,
        address.city,
        address.region,
        address.postal_code,
        address.country,
    ) == (
        "Kathryn Cole",
        "3258BWarners rd",
        "Garage",
        "Warners",
        "NY",
        "13164",
        "US",
    )
    assert {(r.kind, r.value) for r in command.references} == {
        ("purchase_order_id", "1796277083022"),
        ("customer_order_id", "5281956426648"),
    }


def test_which_documented_orders_are_imported() -> None:
    reasons = {po: skip_reason(order) for po, order in documented().items()}
    assert reasons["1796277083022"] is None  # Created: the seller owes the shipment
    assert reasons["3796050123784"] == "already_shipping"
    assert reasons["3796235970012"] == "cancelled"
    with pytest.raises(PayloadError, match="every line is cancelled"):
        translate(json.dumps(documented()["3796235970012"]).encode())


def test_bad_input_names_its_fields() -> None:
    order = documented()["1796277083022"]
    broken = {
        **order,
        "shippingInfo": {"postalAddress": {**order["shippingInfo"]["postalAddress"], "country": "Narnia"}},
    }
    with pytest.raises(PayloadError) as raised:
        translate(json.dumps(broken).encode())
    assert [e.field for e in raised.value.errors] == ["shippingInfo.postalAddress.country"]
    no_sku = json.loads(json.dumps(order))
    del no_sku["orderLines"]["orderLine"][0]["item"]["sku"]
    with pytest.raises(PayloadError) as raised:
        translate(json.dumps(no_sku).encode())
    assert [e.field for e in raised.value.errors] == ["orderLines.orderLine[0].item.sku"]
