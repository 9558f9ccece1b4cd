"""A partner's 860 over the API: 850 in, order captured; 860 in (line 1 quantity up, line 2 deleted,
a line added); the order's lines and reservations edited; the 865 kept with the right ACKs and
passing our own 865 table."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.channels.x12.envelope import read
from overture.channels.x12.schema import validate
from overture.channels.x12.sets import schema_for
from overture.store.tables import reservations
from tests.channels.x12.change_order_fixtures import CHANGES, PO, change_860
from tests.factories import add_locations, add_skus, stock

ACME = {
    "name": "Acme Stores",
    "x12": {"qualifier": "ZZ", "id": "ACMEBUYER"},
    "sku_xref": {"ACME-001": "WIDGET-RED", "ACME-002": "GADGET"},
    "uom_factors": {"CA": 12},
}


def _post(client: TestClient, text: str) -> dict[str, object]:
    response = client.post("/v1/channels/edi", content=text.encode(), headers={"content-type": "application/edi-x12"})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_an_860_edits_the_captured_order_and_is_answered_with_an_865(client: TestClient, container: Container) -> None:
    assert client.put("/v1/partners/ACME", json=ACME).status_code == 201
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET-RED", "GADGET")
    stock(container, "WIDGET-RED", "EWR", 100)
    stock(container, "GADGET", "EWR", 100)
    (placed,) = _post(client, PO)["transactions"]  # type: ignore[misc]
    order_id = placed["order_id"]

    (changed,) = _post(client, change_860(CHANGES))["transactions"]  # type: ignore[misc]

    assert (changed["code"], changed["verdict"], changed["order_id"], changed["errors"]) == ("860", "A", order_id, [])
    order = client.get(f"/v1/orders/{order_id}").json()
    assert [(x["line_no"], x["sku"], x["quantity"]) for x in order["lines"]] == [
        (1, "WIDGET-RED", 36),
        (3, "GADGET", 72),
    ]
    assert order["status"] == "routed"
    with container.engine.connect() as c:
        held = c.execute(
            sa.select(reservations.c.line_no, reservations.c.quantity)
            .where(reservations.c.order_id == order_id, reservations.c.status == "active")
            .order_by(reservations.c.line_no)
        ).all()
    assert [tuple(r) for r in held] == [(1, 36), (3, 72)]
    listing = client.get("/v1/partners/ACME/documents", params={"kind": "865"}).json()
    (kept,) = listing["items"]
    text = client.get(f"/v1/partners/ACME/documents/{kept['id']}").text
    assert text == changed["ack_865"]
    document = read(text)
    (_, group, transaction), *_ = document.transactions()
    schema = schema_for("865", "004010")
    assert schema is not None and group.functional_id == "CA"
    assert validate(schema, transaction.segments, component=document.interchanges[0].delimiters.component) == []
    acks = [s.elements[1:3] for s in transaction.body if s.tag == "ACK"]
    assert acks == [["IQ", "36"], ["ID"], ["IA", "72"]]
    assert transaction.body[0].elements[:7] == ["BCA", "04", "AC", "PO-7781", "", "1", "20260115"]
