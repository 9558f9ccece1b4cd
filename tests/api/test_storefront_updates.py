"""A storefront's own order edit reaches the order through the one edit path, on SQLite and PostgreSQL:
Shopify's orders/updated (``current_quantity`` after an edit) and WooCommerce's order.updated. One
unit fewer of the first line: the order's line changes, its stock goes back, and it owes that unit's
share less; the same lines again change nothing."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from tests.channels.storefront_files import fixture_json
from tests.e2e.test_storefront_webhooks import BOTH, SHOPIFY, Storefront, _capture
from tests.e2e.test_storefront_webhooks import container as container

UPDATE_TOPIC = {SHOPIFY.path: "orders/updated"}


def _one_fewer(shop: Storefront) -> dict[str, Any]:
    document = copy.deepcopy(fixture_json(shop.fixture))
    item = document["line_items"][0]
    if shop is SHOPIFY:
        item["current_quantity"] = item["quantity"] - 1
    else:
        per_unit = Decimal(item["subtotal"]) / item["quantity"]
        item["quantity"] -= 1
        item["subtotal"] = item["total"] = str(per_unit * item["quantity"])
    return document


@BOTH
def test_a_storefront_edit_goes_through_the_one_edit_path(container: Container, shop: Storefront) -> None:
    with TestClient(create_app(container)) as client:
        order_id = _capture(client, container, shop)
        before = client.get(f"/v1/orders/{order_id}/money").json()
        first = client.get(f"/v1/orders/{order_id}").json()["lines"][0]
        topic = UPDATE_TOPIC.get(shop.path, "order.updated")
        raw = json.dumps(_one_fewer(shop)).encode()
        answer = shop.post(client, raw, topic=topic, delivery="update-1")
        assert answer.status_code == 200, answer.text
        assert answer.json()["edit"].endswith("order edit applied (1 line change(s))"), answer.json()
        lines = client.get(f"/v1/orders/{order_id}").json()["lines"]
        assert lines[0]["quantity"] == first["quantity"] - 1
        after = client.get(f"/v1/orders/{order_id}/money").json()
        gave_back = Decimal(before["lines"][0]["due"]) - Decimal(after["lines"][0]["due"])
        assert gave_back > 0 and Decimal(before["totals"]["due"]) - Decimal(after["totals"]["due"]) == gave_back
        again = shop.post(client, raw, topic=topic, delivery="update-2")
        assert "the lines are as we have them" in again.json()["edit"]


@pytest.mark.parametrize("shop", [SHOPIFY], ids=["shopify"])
def test_a_line_edited_to_nothing_is_deleted(container: Container, shop: Storefront) -> None:
    with TestClient(create_app(container)) as client:
        order_id = _capture(client, container, shop)
        document = copy.deepcopy(fixture_json(shop.fixture))
        document["line_items"][2]["current_quantity"] = 0
        answer = shop.post(client, json.dumps(document).encode(), topic="orders/updated", delivery="update-3")
        assert "applied" in answer.json()["edit"], answer.json()
        assert [line["line_no"] for line in client.get(f"/v1/orders/{order_id}").json()["lines"]] == [1, 2]
