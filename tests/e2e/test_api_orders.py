"""POST/GET /v1/orders through the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import orjson
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from tests.factories import add_locations, add_skus, order_payload, stock


def _seed(container: Container) -> None:
    add_locations(container, ["EWR", "LAX"])
    add_skus(container, "A", "B", "C")
    stock(container, "A", "EWR", 10)
    stock(container, "A", "LAX", 10)
    stock(container, "B", "LAX", 5)


def test_new_order_is_created_routed_and_reserved(client: TestClient, container: Container) -> None:
    _seed(container)
    response = client.post(
        "/v1/orders", json=order_payload(("A", 2), zip_code="10001"), headers={"Idempotency-Key": "k-1"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "routed"
    assert response.headers["location"] == f"/v1/orders/{body['id']}"
    order = client.get(f"/v1/orders/{body['id']}").json()
    assert [r["location_id"] for r in order["reservations"]] == ["EWR"]
    assert order["lines"][0]["status"] == "allocated"
    assert client.get("/v1/inventory/A").json()["totals"] == {
        "on_hand": 20,
        "reserved": 2,
        "safety_stock": 0,
        "available": 18,
    }


def test_routing_decision_lists_every_location_with_distance_and_reason(
    client: TestClient, container: Container
) -> None:
    _seed(container)
    order_id = client.post("/v1/orders", json=order_payload(("A", 1), zip_code="90012")).json()["id"]
    routing = next(d for d in client.get(f"/v1/orders/{order_id}").json()["decisions"] if d["kind"] == "routing")
    by_location = {a["location_id"]: a for a in routing["alternatives"]}
    assert set(by_location) == {"EWR", "LAX"}
    assert by_location["LAX"]["outcome"] == "chosen"
    assert by_location["EWR"]["outcome"] == "rejected"
    assert "farther" in by_location["EWR"]["reason"]
    assert by_location["LAX"]["distance_km"] < 20 < 3000 < by_location["EWR"]["distance_km"]


def test_order_no_single_location_can_fill_is_split(client: TestClient, container: Container) -> None:
    _seed(container)
    stock(container, "C", "EWR", 3)
    order_id = client.post("/v1/orders", json=order_payload(("C", 1), ("B", 1), zip_code="10001")).json()["id"]
    order = client.get(f"/v1/orders/{order_id}").json()
    assert {(r["sku"], r["location_id"]) for r in order["reservations"]} == {("C", "EWR"), ("B", "LAX")}
    routing = next(d for d in order["decisions"] if d["kind"] == "routing")
    assert routing["outcome"] == "split"


def test_same_key_same_body_replays_the_same_order(client: TestClient, container: Container) -> None:
    _seed(container)
    payload = order_payload(("A", 1))
    first = client.post("/v1/orders", json=payload, headers={"Idempotency-Key": "same"})
    again = client.post(
        "/v1/orders", content=orjson.dumps(payload, option=orjson.OPT_INDENT_2), headers={"Idempotency-Key": "same"}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert client.get("/v1/inventory/A").json()["totals"]["reserved"] == 1


def test_same_key_different_body_is_a_conflict(client: TestClient, container: Container) -> None:
    _seed(container)
    client.post("/v1/orders", json=order_payload(("A", 1)), headers={"Idempotency-Key": "k"})
    response = client.post("/v1/orders", json=order_payload(("A", 2)), headers={"Idempotency-Key": "k"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"


def test_same_channel_order_under_another_key_is_not_captured_twice(client: TestClient, container: Container) -> None:
    _seed(container)
    payload = order_payload(("A", 1))
    first = client.post("/v1/orders", json=payload, headers={"Idempotency-Key": "k1"}).json()
    response = client.post("/v1/orders", json=payload, headers={"Idempotency-Key": "k2"})
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "duplicate_order",
        "message": response.json()["error"]["message"],
        "order_id": first["id"],
    }


def test_malformed_json_is_400_and_kept_raw_in_quarantine(client: TestClient) -> None:
    raw = b'{"channel": "web", "lines": [ oops'
    response = client.post("/v1/orders", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_json"
    quarantined = client.get("/v1/quarantine").json()["items"]
    assert [q["id"] for q in quarantined] == [error["message_id"]]
    assert quarantined[0]["body"] == {"encoding": "utf-8", "text": raw.decode()}
    assert quarantined[0]["reason"] == "malformed_json"


def test_non_utf8_body_is_quarantined_as_base64(client: TestClient) -> None:
    response = client.post("/v1/orders", content=b"\xff\xfe\x00junk")
    assert response.status_code == 400
    assert client.get("/v1/quarantine").json()["items"][0]["body"]["encoding"] == "base64"


def test_schema_errors_name_every_field_with_a_stable_code(client: TestClient) -> None:
    payload = order_payload(("A", 0))
    payload["currency"] = "ZZZ"
    payload["ship_to"]["country"] = "USA"
    del payload["external_id"]
    payload["lines"][0]["quantiy"] = 1
    response = client.post("/v1/orders", json=payload)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    fields = {(f["field"], f["code"]) for f in error["fields"]}
    assert fields == {
        ("external_id", "required"),
        ("currency", "unknown_currency"),
        ("ship_to.country", "invalid_country"),
        ("lines[0].quantity", "out_of_range"),
        ("lines[0].quantiy", "unknown_field"),
    }
    assert all(f["reason"] for f in error["fields"])
    assert client.get("/v1/quarantine").json()["items"][0]["errors"]


def test_wrong_types_are_reported_not_coerced(client: TestClient) -> None:
    payload = order_payload(("A", 1))
    payload["lines"][0]["quantity"] = 1.5
    payload["lines"][0]["unit_price"] = "cheap"
    fields = {(f["field"], f["code"]) for f in client.post("/v1/orders", json=payload).json()["error"]["fields"]}
    assert fields == {("lines[0].quantity", "wrong_type"), ("lines[0].unit_price", "wrong_type")}


def test_unknown_sku_holds_the_order_with_a_typed_exception(client: TestClient, container: Container) -> None:
    _seed(container)
    response = client.post("/v1/orders", json=order_payload(("A", 1), ("NOPE", 1)))
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["exceptions"]) == ("on_hold", ["unknown_sku"])
    exceptions = client.get("/v1/exceptions").json()["items"]
    assert [(e["order_id"], e["type"], e["details"]) for e in exceptions] == [
        (body["id"], "unknown_sku", {"unknown_skus": ["NOPE"]})
    ]
    assert "edit" in exceptions[0]["allowed_actions"]
    assert client.get("/v1/inventory/A").json()["totals"]["reserved"] == 0


def test_insufficient_stock_holds_the_order_and_reserves_nothing(client: TestClient, container: Container) -> None:
    _seed(container)
    response = client.post("/v1/orders", json=order_payload(("A", 1), ("B", 6)))
    assert response.json()["status"] == "on_hold"
    exception = client.get("/v1/exceptions", params={"type": "insufficient_stock"}).json()["items"][0]
    assert exception["details"]["shortages"] == [{"sku": "B", "requested": 6, "available": 5}]
    assert exception["step"] == "reserve"
    assert client.get("/v1/inventory/A").json()["totals"]["reserved"] == 0


def test_order_detail_has_a_timeline_in_time_order(client: TestClient, container: Container) -> None:
    _seed(container)
    order_id = client.post("/v1/orders", json=order_payload(("A", 1))).json()["id"]
    timeline = client.get(f"/v1/orders/{order_id}").json()["timeline"]
    assert [t["at"] for t in timeline] == sorted(t["at"] for t in timeline)
    statuses = [t["status"] for t in timeline if t["type"] == "status"]
    assert statuses == ["validated", "reserved", "routed"]
    kinds = [t["kind"] for t in timeline if t["type"] == "decision"]
    assert kinds == ["validation", "routing", "reservation"]


def test_list_orders_filters_and_paginates(client: TestClient, container: Container) -> None:
    _seed(container)
    ids = [client.post("/v1/orders", json=order_payload(("A", 1), channel="shop")).json()["id"] for _ in range(3)]
    held = client.post("/v1/orders", json=order_payload(("ZZZ", 1), channel="edi", external_id="PO-77")).json()["id"]
    assert [o["id"] for o in client.get("/v1/orders", params={"channel": "shop"}).json()["items"]] == ids[::-1]
    assert [o["id"] for o in client.get("/v1/orders", params={"status": "on_hold"}).json()["items"]] == [held]
    assert [o["id"] for o in client.get("/v1/orders", params={"external_id": "PO-77"}).json()["items"]] == [held]
    page = client.get("/v1/orders", params={"limit": 2}).json()
    rest = client.get("/v1/orders", params={"limit": 2, "after": page["next_after"]}).json()
    assert [o["id"] for o in page["items"] + rest["items"]] == [held, *ids[::-1]]


def test_unknown_order_is_404_with_error_code(client: TestClient) -> None:
    response = client.get("/v1/orders/ord_missing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_openapi_documents_the_order_body(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/v1/orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/OrderIn"}
    assert {"channel", "external_id", "ship_to", "lines", "currency"} <= set(
        spec["components"]["schemas"]["OrderIn"]["required"]
    )
    assert client.get("/docs").status_code == 200


def test_charges_count_in_the_total_and_references_are_kept(client: TestClient, container: Container) -> None:
    _seed(container)
    charges = [
        {"kind": "shipping", "amount": "5.00", "code": "Ground"},
        {"kind": "tax", "amount": "1.65", "code": "NY sales tax", "line_no": 1},
        {"kind": "discount", "amount": "-2.00", "code": "WELCOME2"},
    ]
    references = [{"system": "buyer", "kind": "po_number", "value": "PO-778"}]
    payload = order_payload(("A", 2), charges=charges, references=references)

    order_id = client.post("/v1/orders", json=payload).json()["id"]

    order = client.get(f"/v1/orders/{order_id}").json()
    assert order["total"] == "24.63"  # 2 x 9.99 + 5.00 + 1.65 - 2.00
    assert [c["kind"] for c in order["charges"]] == ["shipping", "tax", "discount"]
    assert {"system": "buyer", "kind": "po_number", "value": "PO-778"} in order["references"]


def test_a_positive_discount_or_a_charge_on_a_missing_line_is_refused_by_field(client: TestClient) -> None:
    bad_discount = order_payload(("A", 1), charges=[{"kind": "discount", "amount": "3.00"}])
    bad_line = order_payload(("A", 1), charges=[{"kind": "tax", "amount": "1.00", "line_no": 2}])

    first = client.post("/v1/orders", json=bad_discount)
    second = client.post("/v1/orders", json=bad_line)

    assert first.status_code == 422 and "charges[0].amount" in first.text
    assert second.status_code == 422 and "charges[0].line_no" in second.text
