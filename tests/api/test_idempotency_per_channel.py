"""Idempotency keys are unique per channel (issue 14): one channel's key neither replays nor conflicts
with another channel's order, and a 409 never names the order the key was first used for.

Through the real app, on SQLite and PostgreSQL (``client`` runs on ``database_url``)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from overture.bootstrap import Container
from tests.factories import add_locations, add_skus, order_payload, stock


def _seed(container: Container) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "A")
    stock(container, "A", "EWR", 10)


def test_a_key_reused_by_another_channel_creates_its_own_order(client: TestClient, container: Container) -> None:
    _seed(container)
    shop = client.post(
        "/v1/orders", json=order_payload(("A", 1), channel="b2b-portal"), headers={"Idempotency-Key": "42"}
    )
    web = client.post("/v1/orders", json=order_payload(("A", 2), channel="web"), headers={"Idempotency-Key": "42"})
    assert (shop.status_code, web.status_code) == (201, 201)
    assert web.json()["id"] != shop.json()["id"]
    assert web.json()["channel"] == "web"
    assert client.get("/v1/inventory/A").json()["totals"]["reserved"] == 3


def test_a_key_reused_by_another_channel_with_the_same_body_is_not_a_replay(
    client: TestClient, container: Container
) -> None:
    _seed(container)
    body = order_payload(("A", 1), channel="b2b-portal")
    first = client.post("/v1/orders", json=body, headers={"Idempotency-Key": "7"})
    other = client.post("/v1/orders", json={**body, "channel": "web"}, headers={"Idempotency-Key": "7"})
    assert (first.status_code, other.status_code) == (201, 201)
    assert other.json()["id"] != first.json()["id"]


def test_the_idempotency_conflict_does_not_name_the_first_order(client: TestClient, container: Container) -> None:
    _seed(container)
    first = client.post("/v1/orders", json=order_payload(("A", 1)), headers={"Idempotency-Key": "k"}).json()
    response = client.post("/v1/orders", json=order_payload(("A", 2)), headers={"Idempotency-Key": "k"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "idempotency_conflict"
    assert "order_id" not in error
    assert first["id"] not in response.text


def test_a_repeat_in_the_same_channel_still_replays(client: TestClient, container: Container) -> None:
    _seed(container)
    body = order_payload(("A", 1), channel="web")
    first = client.post("/v1/orders", json=body, headers={"Idempotency-Key": "r"})
    client.post("/v1/orders", json={**body, "channel": "b2b-portal"}, headers={"Idempotency-Key": "r"})
    again = client.post("/v1/orders", json=body, headers={"Idempotency-Key": "r"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
