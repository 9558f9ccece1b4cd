"""Locations, SKUs and the inventory ledger through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _setup(client: TestClient) -> None:
    assert client.post("/v1/locations", json={"id": "EWR", "name": "Newark", "postal_code": "07102"}).status_code == 201
    assert client.post("/v1/skus", json=[{"sku": "A", "description": "Alpha"}, {"sku": "B"}]).json() == {"upserted": 2}


def test_location_is_geocoded_from_its_postal_code(client: TestClient) -> None:
    body = client.post("/v1/locations", json={"id": "EWR", "name": "Newark", "postal_code": "07102"}).json()
    assert abs(body["latitude"] - 40.74) < 0.05 and abs(body["longitude"] + 74.17) < 0.05
    assert [loc["id"] for loc in client.get("/v1/locations").json()["items"]] == ["EWR"]


def test_location_twice_is_409_and_unlocatable_is_422(client: TestClient) -> None:
    client.post("/v1/locations", json={"id": "EWR", "name": "Newark", "postal_code": "07102"})
    assert client.post("/v1/locations", json={"id": "EWR", "name": "Newark", "postal_code": "07102"}).status_code == 409
    response = client.post(
        "/v1/locations", json={"id": "X", "name": "Nowhere", "postal_code": "00000", "country": "FR"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "postal_code"


def test_receipts_and_adjustments_are_ledger_entries_with_reasons(client: TestClient) -> None:
    _setup(client)
    entries = [{"sku": "A", "location_id": "EWR", "quantity": 10, "reason": "PO 17", "reference": "ASN-1"}]
    assert client.post("/v1/inventory/receipts", json={"entries": entries}).json() == {"received": 1}
    adjusted = client.post(
        "/v1/inventory/adjustments",
        json={"entries": [{"sku": "A", "location_id": "EWR", "quantity": -3, "reason": "damaged"}]},
    ).json()
    assert adjusted["positions"][0]["on_hand"] == 7
    view = client.get("/v1/inventory/A").json()
    assert view["locations"][0] | {"updated_at": None} == {
        "location_id": "EWR",
        "location_name": "Newark",
        "on_hand": 7,
        "reserved": 0,
        "safety_stock": 0,
        "available": 7,
        "updated_at": None,
    }
    assert [(m["kind"], m["on_hand_delta"], m["reason"]) for m in view["ledger"]] == [
        ("adjustment", -3, "damaged"),
        ("receipt", 10, "PO 17"),
    ]


def test_adjustment_needs_a_reason_and_cannot_go_below_zero(client: TestClient) -> None:
    _setup(client)
    client.post("/v1/inventory/receipts", json={"entries": [{"sku": "A", "location_id": "EWR", "quantity": 2}]})
    no_reason = client.post(
        "/v1/inventory/adjustments",
        json={"entries": [{"sku": "A", "location_id": "EWR", "quantity": -1, "reason": " "}]},
    )
    assert no_reason.status_code == 422
    too_far = client.post(
        "/v1/inventory/adjustments",
        json={"entries": [{"sku": "A", "location_id": "EWR", "quantity": -3, "reason": "count"}]},
    )
    assert too_far.status_code == 409
    assert too_far.json()["error"]["code"] == "inventory_invariant"
    assert client.get("/v1/inventory/A").json()["totals"]["on_hand"] == 2


def test_bulk_receipt_with_one_bad_entry_books_nothing(client: TestClient) -> None:
    _setup(client)
    entries = [{"sku": "A", "location_id": "EWR", "quantity": 5}, {"sku": "A", "location_id": "NOWHERE", "quantity": 5}]
    response = client.post("/v1/inventory/receipts", json={"entries": entries})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "entries[1].location_id"
    assert client.get("/v1/inventory/A").json()["locations"] == []


def test_receipt_of_unknown_sku_is_404(client: TestClient) -> None:
    _setup(client)
    response = client.post(
        "/v1/inventory/receipts", json={"entries": [{"sku": "ZZ", "location_id": "EWR", "quantity": 1}]}
    )
    assert response.status_code == 404


def test_safety_stock_lowers_availability(client: TestClient) -> None:
    _setup(client)
    client.post("/v1/inventory/receipts", json={"entries": [{"sku": "A", "location_id": "EWR", "quantity": 10}]})
    assert client.put("/v1/inventory/A/locations/EWR/safety-stock", json={"safety_stock": 4}).json()["available"] == 6
    assert client.get("/v1/inventory/A").json()["totals"]["available"] == 6


def test_sku_upsert_updates_descriptions(client: TestClient) -> None:
    _setup(client)
    client.post("/v1/skus", json=[{"sku": "A", "description": "Alpha v2"}])
    assert client.get("/v1/inventory/A").json()["description"] == "Alpha v2"
    assert client.get("/v1/inventory/NOPE").status_code == 404
