"""POST /v1/channels/csv and the partner's CSV profile, through the real app on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.store.tables import inbound_messages, orders
from tests.channels.csv_files import ACME_BAD_ROWS, ACME_CSV, ACME_ORDERS, ACME_PARTNER
from tests.factories import add_locations, add_skus, stock


def _seed(client: TestClient, container: Container, **csv_changes: Any) -> None:
    assert client.put("/v1/partners/ACME", json=ACME_PARTNER).status_code == 201
    assert client.put("/v1/partners/ACME/csv", json={**ACME_CSV, **csv_changes}).status_code == 201
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET-RED", "GADGET")
    stock(container, "WIDGET-RED", "EWR", 100)
    stock(container, "GADGET", "EWR", 100)


def _post(client: TestClient, body: bytes, partner: str = "ACME") -> tuple[int, dict[str, Any]]:
    response = client.post(f"/v1/channels/csv?partner={partner}", content=body, headers={"content-type": "text/csv"})
    return response.status_code, response.json()


def _order_count(container: Container) -> int:
    with container.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one())


def _message(container: Container, message_id: str) -> Any:
    with container.engine.connect() as c:
        return c.execute(sa.select(inbound_messages).where(inbound_messages.c.id == message_id)).one()


def _rows_and_columns(errors: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["code"]) for e in errors]


# ---- the partner's CSV profile ------------------------------------------------------------------


def test_a_csv_profile_is_put_read_back_and_replaced(client: TestClient) -> None:
    client.put("/v1/partners/ACME", json=ACME_PARTNER)

    created = client.put("/v1/partners/ACME/csv", json=ACME_CSV)
    replaced = client.put("/v1/partners/ACME/csv", json={**ACME_CSV, "all_or_nothing": True})

    assert (created.status_code, replaced.status_code) == (201, 200)
    profile = client.get("/v1/partners/ACME/csv").json()
    assert profile["columns"] == ACME_CSV["columns"]
    assert (profile["all_or_nothing"], profile["delimiter"], profile["date_format"]) == (True, ",", "%m/%d/%Y")
    # The partner's own profile, which another team owns, is untouched.
    assert client.get("/v1/partners/ACME").json()["sku_xref"] == ACME_PARTNER["sku_xref"]


def test_a_profile_that_cannot_read_files_is_refused_with_every_problem(client: TestClient) -> None:
    client.put("/v1/partners/ACME", json=ACME_PARTNER)
    columns = {k: v for k, v in ACME_CSV["columns"].items() if k != "quantity"}

    response = client.put("/v1/partners/ACME/csv", json={**ACME_CSV, "columns": columns, "delimiter": "||"})

    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["columns.quantity", "delimiter"]
    assert client.get("/v1/partners/ACME/csv").status_code == 404


def test_a_profile_for_an_unknown_partner_is_refused(client: TestClient) -> None:
    assert client.put("/v1/partners/NOBODY/csv", json=ACME_CSV).status_code == 404


# ---- files in -----------------------------------------------------------------------------------


def test_good_rows_become_routed_orders_in_our_skus_and_units(client: TestClient, container: Container) -> None:
    _seed(client, container)

    status, body = _post(client, ACME_ORDERS.read_bytes())

    assert status == 200 and body["complete"] is True and body["errors"] == []
    assert [(o["po_number"], o["rows"], o["status"], o["duplicate"]) for o in body["orders"]] == [
        ("PO-1001", [2, 3], "routed", False),
        ("PO-1002", [4], "routed", False),
    ]
    order = client.get(f"/v1/orders/{body['orders'][0]['order_id']}").json()
    assert (order["channel"], order["external_id"], order["customer"]["partner_id"]) == ("csv", "ACME:PO-1001", "ACME")
    assert [(x["sku"], x["quantity"]) for x in order["lines"]] == [("WIDGET-RED", 24), ("GADGET", 5)]
    assert Decimal(order["total"]) == 24 * Decimal("4") + 5 * Decimal("3.25")
    assert {"system": "buyer", "kind": "po_number", "value": "PO-1001"} in order["references"]
    assert client.get("/v1/inventory/WIDGET-RED").json()["totals"]["reserved"] == 24


def test_bad_rows_are_reported_and_the_good_po_becomes_an_order(client: TestClient, container: Container) -> None:
    _seed(client, container)

    status, body = _post(client, ACME_BAD_ROWS.read_bytes())

    assert status == 200 and body["complete"] is False
    created = [o["po_number"] for o in body["orders"] if o["order_id"]]
    assert created == ["PO-2012"] and _order_count(container) == 1
    assert _rows_and_columns(body["errors"])[:3] == [
        (3, "Qty", "wrong_type"),
        (4, "Qty", "out_of_range"),
        (5, "UOM", "invalid_value"),
    ]
    assert len(body["errors"]) == 12
    rejected = {o["po_number"]: o for o in body["orders"] if o["status"] == "rejected"}
    assert set(rejected) == {"", *(f"PO-20{n:02}" for n in range(1, 12) if n != 11)}


def test_each_rejected_po_waits_in_quarantine_with_its_rows_and_reasons(
    client: TestClient, container: Container
) -> None:
    _seed(client, container)
    _, body = _post(client, ACME_BAD_ROWS.read_bytes())
    po_2001 = next(o for o in body["orders"] if o["po_number"] == "PO-2001")

    quarantined = {m["id"]: m for m in client.get("/v1/quarantine").json()["items"]}

    message = quarantined[po_2001["message_id"]]
    text = message["body"]["text"]
    assert text.splitlines()[0].startswith("PO Number,Line,Item")
    assert [line.split(",")[:2] for line in text.splitlines()[1:]] == [["PO-2001", "1"], ["PO-2001", "2"]]
    assert message["errors"] == [{"field": "row 3: Qty", "code": "wrong_type", "reason": "'two' is not a whole number"}]
    # The file itself was read: it is kept, not quarantined, with the rows that were not imported.
    assert body["message_id"] not in quarantined
    assert _message(container, body["message_id"]).status == "accepted"


def test_an_all_or_nothing_partners_file_with_a_bad_row_imports_nothing(
    client: TestClient, container: Container
) -> None:
    _seed(client, container, all_or_nothing=True)

    status, body = _post(client, ACME_BAD_ROWS.read_bytes())

    assert status == 422
    error = body["error"]
    assert (error["code"], error["refusal"], error["partner_id"]) == ("validation_failed", "all_or_nothing", "ACME")
    assert len(error["rows"]) == 12 and error["rows"][0] == {
        "row": 3,
        "column": "Qty",
        "code": "wrong_type",
        "reason": "'two' is not a whole number",
    }
    assert _order_count(container) == 0  # not even PO-2012, whose rows are good
    assert client.get("/v1/inventory/GADGET").json()["totals"]["reserved"] == 0
    kept = _message(container, error["message_id"])
    assert (kept.status, kept.body, len(kept.errors)) == ("quarantined", ACME_BAD_ROWS.read_bytes(), 12)


def test_an_all_or_nothing_partners_good_file_imports_every_order(client: TestClient, container: Container) -> None:
    _seed(client, container, all_or_nothing=True)

    status, body = _post(client, ACME_ORDERS.read_bytes())

    assert status == 200 and [o["status"] for o in body["orders"]] == ["routed", "routed"]
    assert _order_count(container) == 2


def test_the_same_file_twice_creates_nothing_new(client: TestClient, container: Container) -> None:
    _seed(client, container)
    _, first = _post(client, ACME_ORDERS.read_bytes())

    status, again = _post(client, ACME_ORDERS.read_bytes())

    assert status == 200 and again["complete"] is True
    assert [o["duplicate"] for o in again["orders"]] == [True, True]
    assert [o["order_id"] for o in again["orders"]] == [o["order_id"] for o in first["orders"]]
    assert [o["status"] for o in again["orders"]] == ["routed", "routed"]
    assert _order_count(container) == 2
    assert client.get("/v1/inventory/WIDGET-RED").json()["totals"]["reserved"] == 24


def test_the_file_and_each_orders_rows_are_kept_raw(client: TestClient, container: Container) -> None:
    _seed(client, container)
    raw = ACME_ORDERS.read_bytes()

    _, body = _post(client, raw)

    kept = _message(container, body["message_id"])
    assert (kept.channel, kept.body, kept.status) == ("csv", raw, "accepted")
    assert kept.headers["x-csv-partner"] == "ACME"
    order = client.get(f"/v1/orders/{body['orders'][1]['order_id']}").json()
    own = _message(container, order["raw_message_id"])
    header, *rows = raw.decode().splitlines()
    assert own.body.decode().splitlines() == [header, rows[2]]
    assert own.headers == {"x-csv-file": body["message_id"], "x-csv-rows": "4"}


def test_a_file_for_an_unknown_partner_is_refused_and_kept(client: TestClient, container: Container) -> None:
    status, body = _post(client, ACME_ORDERS.read_bytes(), partner="NOBODY")

    assert status == 422
    assert body["error"]["code"] == "not_found" and "'NOBODY'" in body["error"]["message"]
    kept = _message(container, body["error"]["message_id"])
    assert (kept.status, kept.body) == ("quarantined", ACME_ORDERS.read_bytes())


def test_a_partner_without_a_csv_profile_is_named_in_the_refusal(client: TestClient, container: Container) -> None:
    client.put("/v1/partners/ACME", json=ACME_PARTNER)

    status, body = _post(client, ACME_ORDERS.read_bytes())

    assert status == 422
    assert "'ACME' has no CSV profile" in body["error"]["message"]
    assert _order_count(container) == 0


def test_a_file_missing_a_mapped_column_is_refused_whole(client: TestClient, container: Container) -> None:
    _seed(client, container)

    status, body = _post(client, ACME_ORDERS.read_bytes().replace(b",Qty,", b",Quantity,"))

    assert status == 422 and body["error"]["refusal"] == "unreadable"
    assert body["error"]["rows"] == [
        {"row": 1, "column": "Qty", "code": "required", "reason": "no such column (it holds quantity)"}
    ]
    assert _order_count(container) == 0


def test_a_request_without_a_partner_is_refused(client: TestClient) -> None:
    response = client.post("/v1/channels/csv", content=ACME_ORDERS.read_bytes(), headers={"content-type": "text/csv"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "query.partner"


# ---- spreadsheet formulas (CSV injection) --------------------------------------------------------

FORMULA_PO = "=cmd|' /C calc'!A0"


def test_a_formula_like_po_number_is_imported_with_a_warning_kept_on_the_file(
    client: TestClient, container: Container
) -> None:
    _seed(client, container)
    header = ACME_ORDERS.read_text().splitlines()[0]
    row = f'"{FORMULA_PO}",1,ACME-002,Gadget,1,EA,3.25,Store,1 Elm St,Tampa,FL,33602,US,03/15/2025'

    status, body = _post(client, f"{header}\n{row}\n".encode())

    assert status == 200, body
    assert body["orders"][0]["external_id"] == f"ACME:{FORMULA_PO}" and body["errors"] == []
    assert _rows_and_columns(body["warnings"]) == [(2, "PO Number", "formula_like")]
    assert "starts like a spreadsheet formula" in body["warnings"][0]["reason"]
    kept = _message(container, body["message_id"])
    assert kept.status == "accepted" and kept.reason is None
    assert [(e["field"], e["code"]) for e in kept.errors] == [("row 2: PO Number", "formula_like")]
