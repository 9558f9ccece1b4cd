"""What the API fuzzer found, pinned: numbers past what a column keeps, and a partner's X12 id taken by
another, are refusals naming the field (4xx), where they were a driver's error (500) on PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from overture.bootstrap import Container
from tests.factories import add_locations, add_skus


def test_a_quantity_past_what_a_column_keeps_is_refused_by_field(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "SKU-1")
    entry = {"sku": "SKU-1", "location_id": "EWR", "quantity": 2**40}
    answer = client.post("/v1/inventory/receipts", json={"entries": [entry]})

    assert answer.status_code == 422
    assert [f["field"] for f in answer.json()["error"]["fields"]] == ["body.entries[0].quantity"]


def test_a_changes_cursor_past_a_bigint_is_refused(client: TestClient) -> None:
    answer = client.get("/v1/changes", params={"before": 2**70})

    assert answer.status_code == 422 and answer.json()["error"]["fields"][0]["field"] == "query.before"


def test_two_partners_cannot_share_an_x12_id(client: TestClient) -> None:
    x12 = {"qualifier": "ZZ", "id": "ACME"}
    assert client.put("/v1/partners/acme", json={"name": "Acme", "x12": x12}).status_code == 201

    taken = client.put("/v1/partners/acme-2", json={"name": "Acme again", "x12": x12})

    assert taken.status_code == 409 and taken.json()["error"]["code"] == "already_exists"
    assert "'acme'" in taken.json()["error"]["message"]
    assert client.put("/v1/partners/acme", json={"name": "Acme Inc", "x12": x12}).status_code == 200
