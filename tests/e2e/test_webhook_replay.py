"""Replay protection of storefront webhooks, on both stores: a signed Shopify delivery sent outside
the window (X-Shopify-Triggered-At) is kept in quarantine, answered 200 and never acted on; inside it,
the delivery id still makes a replay a duplicate."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import SecretStr

from overture.bootstrap import Container, bootstrap
from overture.channels.signatures import sign
from overture.config import Settings
from overture.store.tables import inbound_messages, orders
from tests.channels.storefront_files import fixture_bytes
from tests.factories import add_locations, add_skus, stock

SHOP, SECRET = "overture-test.myshopify.com", "shpss_0123456789abcdef"
SKUS = ("TSHIRT-BLK-M", "shopify:variant:1002", "shopify:line_item:13003")


@pytest.fixture
def container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    settings = Settings(
        home=tmp_path,
        database_url=database_url,
        auth="off",  # about webhook signatures, not API keys
        shopify_webhook_secrets={SHOP: SecretStr(SECRET)},
        webhook_max_age_s=3600,
    )
    built = bootstrap(settings, migrate=False)
    add_locations(built, ["EWR", "LAX"])
    add_skus(built, *SKUS)
    for sku in SKUS:
        stock(built, sku, "EWR", 20)
    yield built
    built.close()


def post(client: TestClient, *, triggered_at: datetime | str, delivery: str) -> dict[str, object]:
    raw = fixture_bytes("shopify_order_allocations.json")
    sent = triggered_at if isinstance(triggered_at, str) else triggered_at.isoformat().replace("+00:00", "Z")
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": delivery,
        "X-Shopify-Triggered-At": sent,
        "X-Shopify-Hmac-Sha256": sign(SECRET, raw),
    }
    response = client.post("/v1/channels/shopify/webhooks", content=raw, headers=headers)
    assert response.status_code in (200, 201), response.text
    answer: dict[str, object] = response.json()
    return answer


def count(container: Container, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    with container.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())


def test_a_signed_delivery_older_than_the_window_is_quarantined_not_acted_on(
    client: TestClient, container: Container
) -> None:
    answer = post(client, triggered_at=datetime.now(UTC) - timedelta(hours=2), delivery="old-1")

    assert answer["outcome"] == "quarantined"
    [error] = answer["errors"]  # type: ignore[misc]
    assert (error["field"], error["code"]) == ("x-shopify-triggered-at", "stale_delivery")
    assert "2.0 h old, beyond the 1.0 h accepted" in error["reason"]
    assert count(container, orders) == 0
    kept = inbound_messages.c
    assert count(container, inbound_messages, kept.status == "quarantined", kept.channel == "shopify") == 1
    listed = client.get("/v1/quarantine").json()
    assert [item["reason"] for item in listed["items"]] == ["stale_delivery"]


def test_a_delivery_dated_ahead_of_our_clock_is_quarantined(client: TestClient, container: Container) -> None:
    answer = post(client, triggered_at=datetime.now(UTC) + timedelta(hours=1), delivery="ahead-1")
    assert answer["outcome"] == "quarantined"
    assert count(container, orders) == 0


def test_inside_the_window_the_order_is_made_once_and_a_replay_is_a_duplicate(
    client: TestClient, container: Container
) -> None:
    sent = datetime.now(UTC) - timedelta(minutes=10)
    first = post(client, triggered_at=sent, delivery="fresh-1")
    replay = post(client, triggered_at=sent, delivery="fresh-1")

    assert first["outcome"] == "created"
    assert (replay["outcome"], replay["order_id"]) == ("duplicate", first["order_id"])
    assert count(container, orders) == 1
