"""The exception actions that change the order: edit a line, override a price with a reason, and
reroute to a location a person picks; through the API, on the real workflow and dev server."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
import sqlalchemy as sa

from overture.domain.inventory import Location
from overture.services import inventory
from overture.store.tables import decisions, order_lines, reservations
from tests.channels.x12.fixtures import PO_850
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import Hub

ACME = {
    "name": "Acme Stores",
    "x12": {"qualifier": "ZZ", "id": "ACMEBUYER"},
    "sku_xref": {"ACME-001": "WIDGET-RED", "ACME-002": "GADGET"},
    "uom_factors": {"CA": 12},
    "contract_prices": {"WIDGET-RED": "3.50"},
}


def _open_exception(hub: Hub, order_id: str, kind: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def opened() -> bool:
        items = hub.http.get("/v1/exceptions", params={"type": kind}).json()["items"]
        found[:] = [e for e in items if e["order_id"] == order_id]
        return bool(found)

    hub.wait_for(opened, what=f"a {kind} exception on {order_id}")
    return found[0]


def _resolve(hub: Hub, exception_id: str, body: dict[str, Any]) -> httpx.Response:
    return hub.http.post(f"/v1/exceptions/{exception_id}/resolve", json=body)


def _snapshot(hub: Hub, order_id: str) -> tuple[Any, ...]:
    """What a refused action must leave as it was: lines, reservations, decisions, exceptions, status."""
    with hub.container.engine.connect() as c:
        lines = c.execute(sa.select(order_lines).where(order_lines.c.order_id == order_id)).all()
        held = c.execute(sa.select(reservations).where(reservations.c.order_id == order_id)).all()
        made = c.scalar(sa.select(sa.func.count()).select_from(decisions).where(decisions.c.order_id == order_id))
    order = hub.order(order_id)
    open_ones = [(e["id"], e["status"]) for e in order["exceptions"]]
    return order["status"], [tuple(r) for r in lines], [tuple(r) for r in held], made, open_ones


def _fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    return [f["field"].removeprefix("body.") for f in response.json()["error"]["fields"]]


def _amendments(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in order["decisions"] if d["kind"] == "amendment"]


def test_each_bad_field_is_named_and_nothing_changes(hub: Hub) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 10)
    closed = Location(id="OLD", name="Closed", latitude=40.0, longitude=-75.0, postal_code="19104", active=False)
    inventory.add_location(hub.container.uow, closed, clock=hub.container.clock)
    order_id = hub.post_order(order_payload(("NOPE", 2)))["id"]
    exception = _open_exception(hub, order_id, "unknown_sku")
    before = _snapshot(hub, order_id)
    edit = {"action": "edit", "actor": "ops", "note": "customer SKU maps to ours"}
    price = {"action": "override", "actor": "ops", "note": "contract price"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"action": "edit", "actor": "ops", "lines": [{"line_no": 1, "sku": "A"}]}, "note"),
        ({**edit}, "lines"),
        ({**edit, "lines": [{"line_no": 1, "quantity": 0}]}, "lines[0].quantity"),
        ({**edit, "lines": [{"line_no": 1, "quantity": "2"}]}, "lines[0].quantity"),
        ({**edit, "lines": [{"line_no": 1}]}, "lines[0]"),
        ({**edit, "lines": [{"line_no": 1, "sku": "A"}, {"line_no": 9, "sku": "A"}]}, "lines[1].line_no"),
        ({**edit, "lines": [{"line_no": 1, "sku": "STILL-UNKNOWN"}]}, "lines[0].sku"),
        ({**edit, "lines": [{"line_no": 1, "unit_price": "-1"}]}, "lines[0].unit_price"),
        ({"action": "override", "actor": "ops", "unit_prices": [{"line_no": 1, "unit_price": "3.50"}]}, "note"),
        ({**price, "unit_prices": [{"line_no": 1}]}, "unit_prices[0].unit_price"),
        ({**price, "unit_prices": [{"line_no": 4, "unit_price": "1"}]}, "unit_prices[0].line_no"),
        ({"action": "reroute", "actor": "ops", "location_id": "NOWHERE"}, "location_id"),
        ({"action": "reroute", "actor": "ops", "location_id": "OLD"}, "location_id"),
        ({"action": "retry", "actor": "ops", "location_id": "EWR"}, "location_id"),
        ({"action": "retry", "actor": "ops", "lines": [{"line_no": 1, "sku": "A"}]}, "lines"),
    ]

    for body, field in cases:
        assert _fields(_resolve(hub, exception["id"], body)) == [field], body

    assert _snapshot(hub, order_id) == before
    # The workflow's own checks answer 409 and change nothing either: a price override needs a price exception.
    wrong_kind = {"action": "override", "actor": "ops", "note": "n", "unit_prices": [{"line_no": 1, "unit_price": "1"}]}
    refused = _resolve(hub, exception["id"], wrong_kind)
    assert refused.status_code == 409 and "not allowed for this unknown_sku" in refused.text
    assert _snapshot(hub, order_id) == before


def test_unknown_sku_edited_to_ours_completes_with_the_corrected_line(hub: Hub) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 10)
    order_id = hub.post_order(order_payload(("CUST-A", 2)))["id"]
    exception = _open_exception(hub, order_id, "unknown_sku")

    body = {
        "action": "edit",
        "actor": "dana",
        "note": "the customer's CUST-A is our A",
        "lines": [{"line_no": 1, "sku": "A", "quantity": 3}],
    }
    response = _resolve(hub, exception["id"], body)
    assert response.status_code == 200, response.text

    order = hub.wait_status(order_id, "completed")
    line = order["lines"][0]
    assert (line["sku"], line["quantity"], line["status"]) == ("A", 3, "shipped")
    assert [(r["sku"], r["location_id"], r["quantity"], r["status"]) for r in order["reservations"]] == [
        ("A", "EWR", 3, "shipped")
    ]
    (amendment,) = _amendments(order)
    assert amendment["inputs"]["actor"] == "dana" and amendment["inputs"]["reason"] == "the customer's CUST-A is our A"
    assert amendment["inputs"]["before"] == [{"line_no": 1, "sku": "CUST-A", "quantity": 2, "unit_price": "9.99"}]
    assert amendment["inputs"]["after"] == [{"line_no": 1, "sku": "A", "quantity": 3, "unit_price": "9.99"}]
    assert "sku CUST-A -> A, quantity 2 -> 3, by dana" in amendment["reason"]
    resolved = next(e for e in order["exceptions"] if e["id"] == exception["id"])
    assert (resolved["resolution"], resolved["resolved_by"]) == ("edit", "dana")
    released = httpx.get(f"{hub.wms.url}/_records", timeout=5).json()["releases"]
    assert [[(x["sku"], x["quantity"]) for x in r["lines"]] for r in released if r["order_id"] == order_id] == [
        [("A", 3)]
    ]


def _edi_order(hub: Hub, po_number: str) -> str:
    text = PO_850.replace("PO-7781", po_number)
    sent = hub.http.post("/v1/channels/edi", content=text.encode(), headers={"content-type": "application/edi-x12"})
    assert sent.status_code == 200, sent.text
    order_id: str = sent.json()["transactions"][0]["order_id"]
    return order_id


def _override_price(hub: Hub, order_id: str, price: str) -> dict[str, Any]:
    """Override the WIDGET-RED line's price on the order's price_mismatch exception; the order once completed."""
    exception = _open_exception(hub, order_id, "price_mismatch")
    widget = next(line for line in hub.order(order_id)["lines"] if line["sku"] == "WIDGET-RED")
    # The dashboard offers the same: an "override price" form with each line's price and no SKU to edit.
    assert f'data-testid="action-price-{exception["id"]}"' in hub.http.get("/exceptions").text
    form = hub.http.get(f"/exceptions/{exception['id']}/form", params={"for": "price"}).text
    assert f'name="unit_price-{widget["line_no"]}"' in form and 'name="sku-' not in form
    body = {
        "action": "override",
        "actor": "pat",
        "note": "price agreed with Acme",
        "unit_prices": [{"line_no": widget["line_no"], "unit_price": price}],
    }
    response = _resolve(hub, exception["id"], body)
    assert response.status_code == 200, response.text
    return hub.wait_status(order_id, "completed")


def _price_rule_outcomes(order: dict[str, Any]) -> list[str]:
    return [
        d["outcome"]
        for d in order["decisions"]
        if d["kind"] == "validation" and d["inputs"]["rule"] == "price_mismatch"
    ]


def test_price_mismatch_overridden_with_a_new_unit_price_completes_at_that_price(hub: Hub) -> None:
    assert hub.http.put("/v1/partners/ACME", json=ACME).status_code == 201
    rules = {"note": "contract prices", "rules": {"price_mismatch": {"tolerance_pct": "2"}}}
    assert hub.http.put("/v1/rules/default", json=rules).status_code == 201
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "WIDGET-RED", "GADGET")
    for sku in ("WIDGET-RED", "GADGET"):
        stock(hub.container, sku, "EWR", 100)

    at_contract = _override_price(hub, _edi_order(hub, "PO-1"), "3.50")
    agreed_otherwise = _override_price(hub, _edi_order(hub, "PO-2"), "3.80")

    prices = {line["sku"]: Decimal(str(line["unit_price"])) for line in at_contract["lines"]}
    assert prices == {"WIDGET-RED": Decimal("3.50"), "GADGET": Decimal("3.25")}
    assert Decimal(str(at_contract["total"])) == Decimal("100.25")  # 24 x 3.50 + 5 x 3.25
    (amendment,) = _amendments(at_contract)
    assert (amendment["inputs"]["actor"], amendment["inputs"]["exception_type"]) == ("pat", "price_mismatch")
    before, after = amendment["inputs"]["before"][0], amendment["inputs"]["after"][0]
    assert (Decimal(before["unit_price"]), Decimal(after["unit_price"])) == (Decimal("4.00"), Decimal("3.50"))
    # The override waives the rule, which shows only where it still fails: at the contract price it passes.
    assert _price_rule_outcomes(at_contract) == ["hold", "pass"]
    assert _price_rule_outcomes(agreed_otherwise) == ["hold", "waived"]
    assert Decimal(str(agreed_otherwise["total"])) == Decimal("107.45")  # 24 x 3.80 + 5 x 3.25


def test_reroute_to_a_chosen_location_ships_from_there_and_one_that_cannot_fill_is_refused(hub: Hub) -> None:
    add_locations(hub.container, ["EWR", "ORD", "LAX"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 2)
    order_id = hub.post_order(order_payload(("A", 5), zip_code="10001"))["id"]
    exception = _open_exception(hub, order_id, "insufficient_stock")
    stock(hub.container, "A", "ORD", 10)  # nearer to New York than LAX: routing alone would pick it
    stock(hub.container, "A", "LAX", 10)
    before = _snapshot(hub, order_id)

    refused = _resolve(hub, exception["id"], {"action": "reroute", "actor": "ops", "location_id": "EWR"})

    assert refused.status_code == 409, refused.text
    assert "EWR cannot fill the order" in refused.json()["error"]["message"]
    assert _snapshot(hub, order_id) == before
    assert _open_exception(hub, order_id, "insufficient_stock")["id"] == exception["id"]

    chosen = _resolve(hub, exception["id"], {"action": "reroute", "actor": "ops", "location_id": "LAX", "note": "ok"})
    assert chosen.status_code == 200, chosen.text

    order = hub.wait_status(order_id, "completed")
    assert [(r["location_id"], r["quantity"], r["status"]) for r in order["reservations"]] == [("LAX", 5, "shipped")]
    routing = [d for d in order["decisions"] if d["kind"] == "routing"][-1]
    assert routing["inputs"]["chosen_by"] == "ops" and routing["reason"].startswith("LAX chosen by ops")
    released = httpx.get(f"{hub.wms.url}/_records", timeout=5).json()["releases"]
    assert [r["location_id"] for r in released if r["order_id"] == order_id] == ["LAX"]


def test_the_queue_row_forms_edit_a_line_and_offer_the_locations_that_can_fill_first(hub: Hub) -> None:
    add_locations(hub.container, ["EWR", "LAX"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "LAX", 10)
    edited = hub.post_order(order_payload(("CUST-A", 2)))["id"]
    short = hub.post_order(order_payload(("A", 20)))["id"]
    unknown = _open_exception(hub, edited, "unknown_sku")
    shortage = _open_exception(hub, short, "insufficient_stock")
    stock(hub.container, "A", "EWR", 30)  # now EWR can fill the short order, LAX still cannot

    queue = hub.http.get("/exceptions").text
    assert (
        f'data-testid="action-edit-{unknown["id"]}"' in queue
        and f'data-testid="action-reroute-{shortage["id"]}"' in queue
    )
    assert "one order at a time" in queue  # bulk offers no edit or chosen location
    form = hub.http.get(f"/exceptions/{unknown['id']}/form", params={"for": "edit"}, headers={"HX-Request": "true"})
    assert form.status_code == 200 and 'name="sku-1" value="CUST-A"' in form.text and "required" in form.text
    reroute = hub.http.get(f"/exceptions/{shortage['id']}/form", params={"for": "reroute"}).text
    assert re.findall(r'<option value="([A-Z]+)">', reroute) == ["EWR", "LAX"]
    assert "EWR · Newark NJ (has the stock)" in reroute and "LAX · Los Angeles CA (has" not in reroute

    no_reason = hub.http.post(
        f"/exceptions/{unknown['id']}/amend",
        data={"kind": "edit", "sku-1": "A", "quantity-1": "2", "unit_price-1": "9.99"},
    )
    assert no_reason.status_code == 409 and "note: the reason for an edit is required" in no_reason.text
    saved = hub.http.post(
        f"/exceptions/{unknown['id']}/amend",
        data={"kind": "edit", "sku-1": "A", "quantity-1": "2", "unit_price-1": "9.99", "note": "maps to A"},
    )
    # The row is answered with what the edit led to, not a bare "done".
    led_to = re.search(r"edit by \w+( \(\w+\))?: (released to|shipped|invoiced|completed)", saved.text)
    assert saved.status_code == 200 and led_to, saved.text
    order = hub.wait_status(edited, "completed")
    (amendment,) = _amendments(order)
    # Only the SKU changed on the form, so only the SKU was edited.
    assert amendment["inputs"]["after"] == [{"line_no": 1, "sku": "A", "quantity": 2, "unit_price": "9.99"}]
    assert amendment["inputs"]["actor"] == "dashboard"
    assert "sku CUST-A -> A, by dashboard: maps to A" in amendment["reason"]


def test_after_a_failed_release_an_edit_is_refused_and_a_reroute_goes_to_the_chosen_location(hub: Hub) -> None:
    add_locations(hub.container, ["EWR", "ORD", "LAX"])
    add_skus(hub.container, "A")
    for location in ("EWR", "ORD", "LAX"):
        stock(hub.container, "A", location, 5)
    hub.sim_faults(hub.wms, operation="release", down=True)
    order_id = hub.post_order(order_payload(("A", 1), zip_code="10001"))["id"]
    exception = _open_exception(hub, order_id, "connector_failure")
    hub.sim_faults(hub.wms, operation="release", down=False)
    edit = {"action": "edit", "actor": "ops", "note": "n", "lines": [{"line_no": 1, "quantity": 2}]}
    refused = _resolve(hub, exception["id"], edit)
    assert refused.status_code == 409 and "'edit' is not allowed for this connector_failure" in refused.text

    chosen = _resolve(hub, exception["id"], {"action": "reroute", "actor": "ops", "location_id": "LAX"})
    assert chosen.status_code == 200, chosen.text

    order = hub.wait_status(order_id, "completed")
    # Not ORD (the next nearest, where "anywhere but EWR" would go): LAX, as chosen.
    assert {(r["location_id"], r["status"]) for r in order["reservations"]} == {("EWR", "released"), ("LAX", "shipped")}
    routing = [d for d in order["decisions"] if d["kind"] == "routing"][-1]
    assert routing["inputs"]["chosen_location"] == "LAX"
