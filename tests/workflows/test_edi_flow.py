"""A partner's 850 end to end: 997 and 855 at once, then the order runs its workflow to completed
and the partner gets an 856 for the shipment and an 810 for the invoice."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx

from overture.channels.x12.ack997 import Verdict, check_document
from overture.channels.x12.envelope import read
from overture.channels.x12.outbound import gs1_check_digit
from tests.channels.x12.fixtures import PO_850
from tests.factories import add_locations, add_skus, stock
from tests.workflows.hub import Hub

ACME = {
    "name": "Acme Stores",
    "x12": {"qualifier": "ZZ", "id": "ACMEBUYER"},
    "sku_xref": {"ACME-001": "WIDGET-RED", "ACME-002": "GADGET"},
    "uom_factors": {"CA": 12},
}


def _sets(text: str) -> list[list[list[str]]]:
    """The transaction sets of a document we sent, each checked against its schema."""
    checked = check_document(read(text))
    assert all(c.supported and c.verdict is Verdict.ACCEPTED for c in checked), [c.problems for c in checked]
    return [[s.elements for s in c.transaction.body] for c in checked]


def test_an_850_is_acknowledged_shipped_and_invoiced_with_856_and_810(hub: Hub) -> None:
    assert hub.http.put("/v1/partners/ACME", json=ACME).status_code == 201
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "WIDGET-RED", "GADGET")
    stock(hub.container, "WIDGET-RED", "EWR", 100)
    stock(hub.container, "GADGET", "EWR", 100)

    response = hub.http.post("/v1/channels/edi", content=PO_850.encode())

    assert response.status_code == 200, response.text
    receipt = response.json()
    order_id = receipt["transactions"][0]["order_id"]
    assert _sets(receipt["ack_997"])[0][-1] == ["AK9", "A", "1", "1", "1"]
    assert _sets(receipt["acks_855"][0])[0][0][2] == "AD"
    order = hub.wait_status(order_id, "completed")

    listing = hub.http.get("/v1/partners/ACME/documents", params={"order_id": order_id}).json()["items"]
    assert [d["kind"] for d in listing] == ["855", "856", "810"]
    bodies = {d["kind"]: hub.http.get(f"/v1/partners/ACME/documents/{d['id']}").text for d in listing}
    (ship_notice,) = _sets(bodies["856"])
    (sscc,) = [s[2] for s in ship_notice if s[0] == "MAN"]
    assert len(sscc) == 18 and sscc[-1] == gs1_check_digit(sscc[:17])
    shipment = next(t for t in order["timeline"] if t["type"] == "status" and t["status"] == "shipped")
    assert shipment is not None
    tracking = [s[2] for s in ship_notice if s[:2] == ["REF", "CN"]]
    assert tracking and tracking[0] in {r["value"] for r in order["references"] if r["kind"] == "tracking_number"}
    (invoice,) = _sets(bodies["810"])
    cents = int(Decimal(order["total"]) * 100)
    assert ["TDS", str(cents)] in invoice
    erp_invoice = next(r["value"] for r in order["references"] if r["kind"] == "invoice")
    assert invoice[0][2] == erp_invoice and invoice[0][4] == "PO-7781"


def test_orders_from_other_channels_get_no_partner_documents(hub: Hub) -> None:
    assert hub.http.put("/v1/partners/ACME", json=ACME).status_code == 201
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 5)
    from tests.factories import order_payload

    order_id = hub.post_order(order_payload(("A", 1)))["id"]
    hub.wait_status(order_id, "completed")

    assert hub.http.get("/v1/partners/ACME/documents").json()["items"] == []


def test_a_partners_180_is_received_credited_and_answered_with_an_812(hub: Hub) -> None:
    """The partner's 180 asks back a case of ACME-001 and two GADGETs of PO-7781; once the goods are in,
    the return is credited, the ERP gets its memo and the partner an 812 that passes our tables."""
    test_an_850_is_acknowledged_shipped_and_invoiced_with_856_and_810(hub)
    rma = (Path(__file__).parents[1] / "channels" / "x12" / "rma" / "180_004010.edi").read_text()
    response = hub.http.post("/v1/channels/edi", content=rma.encode())
    assert response.status_code == 200, response.text
    (transaction,) = response.json()["transactions"]
    return_id = transaction["return_id"]
    assert _sets(response.json()["ack_997"])[0][-1] == ["AK9", "A", "1", "1", "1"]
    ret = hub.http.get(f"/v1/returns/{return_id}").json()
    units = {line["line_no"]: ["restock"] * line["quantity"] for line in ret["lines"]}
    if ret["status"] == "awaiting_review":
        assert hub.http.post(f"/v1/returns/{return_id}/review", json={"approve": True}).status_code == 200
    lines = [{"line_no": n, "units": u} for n, u in units.items()]
    assert (
        hub.http.post(f"/v1/returns/{return_id}/receipt", json={"location_id": "EWR", "lines": lines}).status_code
        == 200
    )
    hub.wait_for(lambda: hub.http.get(f"/v1/returns/{return_id}").json()["status"] == "settled", what="settled")
    hub.wait_for(
        lambda: any(d["kind"] == "812" for d in hub.http.get("/v1/partners/ACME/documents").json()["items"]),
        what="the 812",
    )
    listing = hub.http.get("/v1/partners/ACME/documents").json()["items"]
    (adjustment,) = [d for d in listing if d["kind"] == "812"]
    (credit,) = _sets(hub.http.get(f"/v1/partners/ACME/documents/{adjustment['id']}").text)
    assert credit[0][0] == "BCD" and ["N9", "RZ", "RMA-5521"] in credit
    records = httpx.get(f"{hub.erp.url}/_records", timeout=5).json()
    assert len(records["credit_memos"]) == 1 and len(records["return_receipts"]) == 1
