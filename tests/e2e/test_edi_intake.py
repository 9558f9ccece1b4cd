"""POST /v1/channels/edi: a partner's 850 becomes an order and is answered with a 997."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.channels.x12.ack997 import check_document
from overture.channels.x12.envelope import read
from overture.store.tables import inbound_messages, orders
from tests.channels.x12.fixtures import PO_850
from tests.factories import add_locations, add_skus, stock

ACME = {
    "name": "Acme Stores",
    "x12": {"qualifier": "ZZ", "id": "ACMEBUYER"},
    "sku_xref": {"ACME-001": "WIDGET-RED", "ACME-002": "GADGET"},
    "uom_factors": {"CA": 12},
}


def _seed(client: TestClient, container: Container) -> None:
    assert client.put("/v1/partners/ACME", json=ACME).status_code == 201
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET-RED", "GADGET")
    stock(container, "WIDGET-RED", "EWR", 100)
    stock(container, "GADGET", "EWR", 100)


def _post(client: TestClient, text: str) -> tuple[int, dict[str, object]]:
    response = client.post("/v1/channels/edi", content=text.encode(), headers={"content-type": "application/edi-x12"})
    return response.status_code, response.json()


def test_a_partners_850_becomes_a_routed_order_and_is_acknowledged(client: TestClient, container: Container) -> None:
    _seed(client, container)

    status, body = _post(client, PO_850)

    assert status == 200
    (outcome,) = body["transactions"]  # type: ignore[misc]
    assert (outcome["code"], outcome["verdict"], outcome["order_status"]) == ("850", "A", "routed")
    order = client.get(f"/v1/orders/{outcome['order_id']}").json()
    assert [(x["sku"], x["quantity"]) for x in order["lines"]] == [("WIDGET-RED", 24), ("GADGET", 5)]
    assert Decimal(order["total"]) == 24 * Decimal("4") + 5 * Decimal("3.25")
    assert {"system": "buyer", "kind": "po_number", "value": "PO-7781"} in order["references"]
    ack = read(body["ack_997"])  # type: ignore[arg-type]
    assert ack.all_problems() == []
    (interchange,) = ack.interchanges
    assert interchange.receiver == ("ZZ", "ACMEBUYER")
    (_, group, transaction) = next(iter(ack.transactions()))
    assert group.functional_id == "FA"
    assert [s.elements for s in transaction.body] == [
        ["AK1", "PO", "501"],
        ["AK2", "850", "0001"],
        ["AK5", "A"],
        ["AK9", "A", "1", "1", "1"],
    ]
    (ack_855,) = body["acks_855"]  # type: ignore[misc]
    (_, group_855, po_ack), *_ = read(ack_855).transactions()
    assert group_855.functional_id == "PR"
    assert po_ack.body[0].elements[:5] == ["BAK", "00", "AD", "PO-7781", "20261123"]  # BAK04: the PO's BEG05
    assert [s.elements[1] for s in po_ack.body if s.tag == "ACK"] == ["IA", "IA"]


def test_the_same_po_sent_twice_is_one_order(client: TestClient, container: Container) -> None:
    _seed(client, container)
    _, first = _post(client, PO_850)
    _, second = _post(client, PO_850.replace("000000101", "000000102"))

    assert second["transactions"][0]["duplicate"] is True  # type: ignore[index]
    assert second["transactions"][0]["order_id"] == first["transactions"][0]["order_id"]  # type: ignore[index]
    with container.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one() == 1
    # 997, 855 for the first file; only a 997 for the second: control numbers never repeat.
    assert len(first["acks_855"]) == 1 and second["acks_855"] == []  # type: ignore[arg-type]
    sent = [first["ack_997"], first["acks_855"][0], second["ack_997"]]  # type: ignore[index]
    controls = [read(text).interchanges[0].control_number for text in sent]  # type: ignore[arg-type]
    assert controls == ["000000001", "000000002", "000000003"]


def test_an_order_short_of_stock_is_acknowledged_as_backordered(client: TestClient, container: Container) -> None:
    assert client.put("/v1/partners/ACME", json=ACME).status_code == 201
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET-RED", "GADGET")
    stock(container, "GADGET", "EWR", 100)

    _, body = _post(client, PO_850)

    assert body["transactions"][0]["order_status"] == "on_hold"  # type: ignore[index]
    (_, _, po_ack), *_ = read(body["acks_855"][0]).transactions()  # type: ignore[index]
    assert po_ack.body[0].elements[2] == "AC"
    # Only WIDGET-RED is short: GADGET's line waits with the order but is not backordered.
    assert [s.elements[1] for s in po_ack.body if s.tag == "ACK"] == ["IB", "IA"]


def test_a_rejected_set_is_acknowledged_but_not_ordered(client: TestClient, container: Container) -> None:
    _seed(client, container)
    status, body = _post(client, PO_850.replace("SE*14*0001", "SE*15*0001"))

    assert status == 200
    assert body["transactions"][0]["verdict"] == "R" and body["transactions"][0]["order_id"] is None  # type: ignore[index]
    assert "AK5*R*4" in body["ack_997"]  # type: ignore[operator]


def test_an_unknown_partner_or_a_file_that_is_not_x12_is_quarantined_with_the_reason(
    client: TestClient, container: Container
) -> None:
    unknown_status, unknown = _post(client, PO_850)
    garbage_status, garbage = _post(client, "this is not EDI")

    assert unknown_status == 422 and unknown["error"]["fields"][0]["field"] == "ISA06"  # type: ignore[index]
    assert garbage_status == 422 and "no_interchange" in garbage["error"]["fields"][0]["reason"]  # type: ignore[index]
    with container.engine.connect() as c:
        kept = c.execute(sa.select(inbound_messages.c.status, inbound_messages.c.channel)).all()
    assert sorted(kept) == [("quarantined", "edi"), ("quarantined", "edi")]


def test_partner_profiles_are_stored_and_edited_through_the_api(client: TestClient) -> None:
    assert client.put("/v1/partners/ACME", json=ACME).status_code == 201
    assert client.put("/v1/partners/ACME", json={**ACME, "name": "Acme Stores Inc"}).status_code == 200

    partner = client.get("/v1/partners/ACME").json()

    assert partner["name"] == "Acme Stores Inc" and partner["sku_xref"] == ACME["sku_xref"]
    assert [p["id"] for p in client.get("/v1/partners").json()["items"]] == ["ACME"]
    assert client.get("/v1/partners/NOPE").status_code == 404
    bad = client.put("/v1/partners/ACME", json={**ACME, "uom_factors": {"CA": 0}})
    assert bad.status_code == 422


def test_an_846_advises_what_is_available_on_request_and_on_the_schedule(
    client: TestClient, container: Container
) -> None:
    from overture.channels.x12.partner_documents import X12PartnerDocuments
    from overture.workflows.inventory_advice import advise_all_partners

    _seed(client, container)
    add_locations(container, ["LAX"])
    stock(container, "WIDGET-RED", "LAX", 7)
    client.put("/v1/partners/NOX12", json={"name": "No X12"})  # no identity: never advised

    on_request = client.post("/v1/partners/ACME/inventory-advice", json={})
    scheduled = advise_all_partners(container.uow, clock=container.clock, documents=X12PartnerDocuments())

    assert on_request.status_code == 200 and scheduled == ["ACME"]
    (_, _, advice), *_ = read(on_request.text).transactions()
    assert [s.elements for s in advice.body if s.tag in ("LIN", "QTY")] == [
        ["LIN", "1", "BP", "ACME-002", "VN", "GADGET"],
        ["QTY", "33", "100", "EA"],
        ["LIN", "2", "BP", "ACME-001", "VN", "WIDGET-RED"],
        ["QTY", "33", "107", "EA"],
    ]
    kinds = [d["kind"] for d in client.get("/v1/partners/ACME/documents", params={"kind": "846"}).json()["items"]]
    assert kinds == ["846", "846"]
    assert client.post("/v1/partners/NOX12/inventory-advice", json={}).status_code == 404


def test_a_po_that_cannot_become_an_order_is_answered_with_an_855_rejecting_each_line(
    client: TestClient, container: Container
) -> None:
    _seed(client, container)
    status, body = _post(client, PO_850.replace("CTT*2~", "CTT*3~"))  # the buyer says 3 lines, sends 2

    assert status == 200
    (outcome,) = body["transactions"]  # type: ignore[misc]
    assert outcome["verdict"] == "A" and outcome["order_id"] is None
    assert outcome["errors"][0]["field"] == "CTT01"
    answer = read(body["acks_855"][0])  # type: ignore[index]
    assert [c.problems for c in check_document(answer)] == [[]]
    (_, _, po_ack), *_ = answer.transactions()
    assert po_ack.body[0].elements[2] == "RJ"
    assert [s.elements[1] for s in po_ack.body if s.tag == "ACK"] == ["IR", "IR"]
    assert any(s.tag == "MSG" and "CTT01 says 3 lines" in s.elements[1] for s in po_ack.body)
