"""A storefront delivery id reused for a different order body is answered as a duplicate without the
order the id was first used for (issue 14: a reused key must not reveal another caller's order id)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from overture.bootstrap import Container
from tests.channels.storefront_files import fixture_bytes
from tests.e2e.test_storefront_webhooks import BOTH, Storefront, _seed, container

__all__ = ["container"]  # the storefront tests' container (with webhook secrets), used by ``client``


@BOTH
def test_a_delivery_id_reused_for_another_order_does_not_name_the_first_order(
    client: TestClient, container: Container, shop: Storefront
) -> None:
    _seed(container, shop)
    first = shop.post(client, fixture_bytes(shop.fixture), delivery="reused-1")
    other = json.loads(fixture_bytes(shop.fixture))
    other["id"] = 999_999_001
    again = shop.post(client, json.dumps(other).encode(), delivery="reused-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == {"outcome": "duplicate", "order_id": None, "reason": "delivery_id_reused"}
    assert first.json()["order_id"] not in again.text
