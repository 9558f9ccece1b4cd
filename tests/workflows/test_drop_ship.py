"""Drop-ship end to end: an order placed at a supplier's location sends the supplier an 850; the
supplier's 855 and 856, posted to the EDI intake, bring the order to completed with its tracking
number, and a line the supplier refuses becomes an exception with the supplier's reason."""

from __future__ import annotations

from typing import Any

import httpx

from overture.channels.x12.ack997 import Verdict, check_document
from overture.channels.x12.envelope import read
from overture.simulators.server import SimulatorServer
from overture.simulators.wms import create_wms_app
from tests.channels.x12.supplier_fixtures import ACK_855_ACCEPTED, ACK_855_LINE_REJECTED, SHIP_856, with_po
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import Hub

SUPPLYCO = {
    "name": "Supply Co",
    "x12": {"qualifier": "ZZ", "id": "SUPPLYCO"},
    "sku_xref": {"SUP-RED": "WIDGET-RED"},
    "contract_prices": {"WIDGET-RED": "7.50"},
}
LOCATION = {
    "id": "SUPPLYCO-DS",
    "name": "Supply Co drop-ship",
    "kind": "drop_ship",
    "latitude": 40.73,
    "longitude": -74.17,
    "supplier_partner_id": "SUPPLYCO",
}


def _set_up(hub: Hub, *skus: str) -> None:
    assert hub.http.put("/v1/partners/SUPPLYCO", json=SUPPLYCO).status_code == 201
    response = hub.http.post("/v1/locations", json=LOCATION)
    assert response.status_code == 201, response.text
    add_skus(hub.container, *skus)
    for sku in skus:
        stock(hub.container, sku, "SUPPLYCO-DS", 50)


def _purchase_order(hub: Hub, order_id: str) -> list[list[str]]:
    """The 850 kept for the supplier about this order, once it appears, as checked segments."""
    found: list[dict[str, Any]] = []

    def sent() -> bool:
        found[:] = hub.http.get("/v1/partners/SUPPLYCO/documents", params={"kind": "850", "order_id": order_id}).json()[
            "items"
        ]
        return bool(found)

    hub.wait_for(sent, what="the 850 to the supplier")
    text = hub.http.get(f"/v1/partners/SUPPLYCO/documents/{found[0]['id']}").text
    (checked,) = check_document(read(text))
    assert checked.verdict is Verdict.ACCEPTED, checked.problems
    return [s.elements for s in checked.transaction.body]


def _post_edi(hub: Hub, text: str) -> dict[str, Any]:
    response = hub.http.post("/v1/channels/edi", content=text.encode())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert read(body["ack_997"]).interchanges, "every file is answered with a 997"
    return body


def test_a_drop_ship_order_completes_through_the_suppliers_855_and_856(hub: Hub) -> None:
    _set_up(hub, "WIDGET-RED")
    order_id = hub.post_order(order_payload(("WIDGET-RED", 2)))["id"]

    po = _purchase_order(hub, order_id)
    po_number = po[0][3]
    assert ["PO1", "1", "2", "EA", "7.5", "", "VP", "SUP-RED", "BP", "WIDGET-RED"] in po
    assert ["N4", "New York", "NY", "10001", "US"] in po
    hub.wait_status(order_id, "released")

    ack = _post_edi(hub, with_po(ACK_855_ACCEPTED, po_number))
    assert ack["transactions"][0]["order_id"] == order_id
    ship = _post_edi(hub, with_po(SHIP_856, po_number))
    assert ship["transactions"][0]["shipment"]["recorded"] is True

    order = hub.wait_status(order_id, "completed")
    assert "1ZSUPPLIER0001" in {r["value"] for r in order["references"] if r["kind"] == "tracking_number"}
    assert any(d["outcome"] == "supplier_accepted" for d in order["decisions"])
    again = _post_edi(hub, with_po(SHIP_856, po_number))
    assert again["transactions"][0]["duplicate"] is True
    assert hub.http.get(f"/v1/orders/{order_id}").json()["status"] == "completed"
    kinds = [d["kind"] for d in hub.http.get("/v1/partners/SUPPLYCO/documents").json()["items"]]
    assert kinds.count("850") == 1 and kinds.count("997") == 3


def test_a_line_the_supplier_rejects_becomes_an_exception_with_its_reason(hub: Hub) -> None:
    _set_up(hub, "WIDGET-RED", "GADGET")
    order_id = hub.post_order(order_payload(("WIDGET-RED", 1), ("GADGET", 3)))["id"]
    po_number = _purchase_order(hub, order_id)[0][3]

    answer = _post_edi(hub, with_po(ACK_855_LINE_REJECTED, po_number))

    exception_id = answer["transactions"][0]["exception_id"]
    exceptions = hub.http.get("/v1/exceptions").json()["items"]
    (exception,) = [e for e in exceptions if e["id"] == exception_id]
    assert exception["order_id"] == order_id
    assert exception["reason"] == "supplier SUPPLYCO rejected line 2: DISCONTINUED BY MANUFACTURER"
    assert {"reroute", "cancel"} <= set(exception["allowed_actions"])


def _refused(hub: Hub) -> tuple[str, str, str]:
    """An order at the drop-ship location whose supplier refused line 2: (order, PO number, exception)."""
    _set_up(hub, "WIDGET-RED", "GADGET")
    order_id = hub.post_order(order_payload(("WIDGET-RED", 1), ("GADGET", 3)))["id"]
    po_number = _purchase_order(hub, order_id)[0][3]
    hub.wait_status(order_id, "released")
    answer = _post_edi(hub, with_po(ACK_855_LINE_REJECTED, po_number))
    return order_id, po_number, answer["transactions"][0]["exception_id"]


def _resolve(hub: Hub, exception_id: str, action: str) -> httpx.Response:
    body = {"action": action, "actor": "ops@example.com", "note": f"{action} after the supplier's 855"}
    return hub.http.post(f"/v1/exceptions/{exception_id}/resolve", json=body)


def test_rerouting_a_refusal_places_the_order_again_without_the_supplier(hub: Hub) -> None:
    order_id, _, exception_id = _refused(hub)
    add_locations(hub.container, ["EWR"])
    stock(hub.container, "WIDGET-RED", "EWR", 5)
    stock(hub.container, "GADGET", "EWR", 5)

    response = _resolve(hub, exception_id, "reroute")

    assert response.status_code == 200, response.text
    order = hub.wait_status(order_id, "completed")
    released_to = [r["value"] for r in order["references"] if r["kind"] == "release"]
    assert released_to, "the warehouse's WMS got a release"
    assert {r["location_id"] for r in order["reservations"] if r["status"] == "shipped"} == {"EWR"}
    resolved = [e for e in order["exceptions"] if e["id"] == exception_id]
    assert resolved[0]["status"] == "resolved" and resolved[0]["resolution"] == "reroute"


def test_overriding_a_refusal_keeps_waiting_for_the_suppliers_goods(hub: Hub) -> None:
    order_id, po_number, exception_id = _refused(hub)

    assert _resolve(hub, exception_id, "override").status_code == 200
    hub.wait_for(
        lambda: any(e["id"] == exception_id and e["status"] == "resolved" for e in hub.order(order_id)["exceptions"]),
        what="the refusal closed",
    )
    assert hub.order(order_id)["status"] == "released"
    _post_edi(hub, with_po(SHIP_856, po_number))

    hub.wait_status(order_id, "completed")


def test_cancelling_from_the_refusal_cancels_the_order(hub: Hub) -> None:
    order_id, _, exception_id = _refused(hub)

    assert _resolve(hub, exception_id, "cancel").status_code == 200

    order = hub.wait_status(order_id, "cancelled")
    assert all(r["status"] == "released" for r in order["reservations"])


def test_an_855_for_a_po_we_never_sent_is_quarantined(hub: Hub) -> None:
    _set_up(hub, "WIDGET-RED")

    answer = _post_edi(hub, with_po(ACK_855_ACCEPTED, "DSNOTOURS"))

    (outcome,) = answer["transactions"]
    assert outcome["order_id"] is None
    assert outcome["errors"][0]["field"] == "BAK03" and "DSNOTOURS" in outcome["errors"][0]["reason"]
    quarantined = hub.http.get("/v1/quarantine").json()["items"]
    assert any("DSNOTOURS" in str(item) for item in quarantined)


def test_a_drop_ship_location_without_a_supplier_opens_an_exception(hub: Hub) -> None:
    assert hub.http.post("/v1/locations", json={**LOCATION, "supplier_partner_id": None}).status_code == 201
    add_skus(hub.container, "WIDGET-RED")
    stock(hub.container, "WIDGET-RED", "SUPPLYCO-DS", 5)
    order_id = hub.post_order(order_payload(("WIDGET-RED", 1)))["id"]

    hub.wait_status(order_id, "on_hold")

    exceptions = hub.http.get("/v1/exceptions").json()["items"]
    assert any(e["order_id"] == order_id and "names no supplier" in e["reason"] for e in exceptions)


def test_an_api_supplier_gets_the_release_and_its_shipment_completes_the_order(hub: Hub) -> None:
    supplier = SimulatorServer(create_wms_app(overture_url=hub.api.url, ship_delay_s=0.05))
    supplier.start()
    try:
        assert hub.http.put("/v1/partners/SUPPLYCO", json=SUPPLYCO).status_code == 201
        location = {**LOCATION, "supplier_transport": "api", "supplier_url": supplier.url}
        assert hub.http.post("/v1/locations", json=location).status_code == 201, "api supplier location"
        add_skus(hub.container, "WIDGET-RED")
        stock(hub.container, "WIDGET-RED", "SUPPLYCO-DS", 5)
        order_id = hub.post_order(order_payload(("WIDGET-RED", 1)))["id"]

        hub.wait_status(order_id, "completed")

        released = httpx.get(f"{supplier.url}/_records", timeout=5).json()["releases"]
        assert [(r["order_id"], r["location_id"]) for r in released] == [(order_id, "SUPPLYCO-DS")]
        in_wms = httpx.get(f"{hub.wms.url}/_records", timeout=5).json()["releases"]
        assert all(r["order_id"] != order_id for r in in_wms)
    finally:
        supplier.stop()


def test_an_api_supplier_needs_its_url(hub: Hub) -> None:
    response = hub.http.post("/v1/locations", json={**LOCATION, "supplier_transport": "api"})
    assert response.status_code == 422, response.text
    assert "supplier_url" in response.text
