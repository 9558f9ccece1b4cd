"""3PL over EDI: a release is a 940 (a cancel the same 940 with W05 F) that passes our own tables, kept
once and written to the partner's folder; the 3PL's 945 reads into a shipment, is recorded (short lines
with what shipped), and one naming no order of ours is quarantined."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.channels.transports.outbox import PartnerOutbox
from overture.channels.x12.envelope import read
from overture.channels.x12.intake import receive_x12
from overture.channels.x12.schema import validate
from overture.channels.x12.sets import schema_for
from overture.channels.x12.warehouse import (
    X12WarehouseDocuments,
    depositor_order_number,
    read_shipping_advice,
    shipping_order_940,
)
from overture.channels.x12.writer import GroupDraft, Sender, reply_envelope, write_interchange
from overture.connectors.edi_wms import EdiWmsGateway, LocationRoutedWms
from overture.domain.inventory import Location, LocationKind
from overture.domain.partners import PartnerProfile, X12Identity
from overture.services.plans import LocationRelease, OrderDocument, PlanLine
from overture.services.ports import InboundMessage
from overture.services.ports.warehouse import WarehouseOrder
from overture.services.ports.wms import CancelOutcome, ReleaseLine, ShipmentNotice, WmsRelease
from overture.store.tables import inbound_messages, outbound_documents, shipments
from tests.channels.x12.standard_documents import document
from tests.channels.x12.warehouse_fixtures import TRACKING, advice_945_from
from tests.factories import add_skus, order_payload, stock

AT = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
THREEPL = {"name": "Edison 3PL", "x12": {"qualifier": "ZZ", "id": "THREEPL"}, "sku_xref": {"3PL-RED": "WIDGET-RED"}}
LOCATION = {
    "id": "3PL-EDISON",
    "name": "Edison 3PL",
    "kind": "3pl",
    "latitude": 40.52,
    "longitude": -74.41,
    "postal_code": "08817",
    "supplier_partner_id": "THREEPL",
}


def _problems(text: str) -> list[Any]:
    """Every problem our own tables find in each set of a document."""
    problems: list[Any] = []
    for interchange, group, transaction in read(text).transactions():
        schema = schema_for(transaction.code, group.version)
        assert schema is not None
        d = interchange.delimiters
        problems += validate(schema, transaction.segments, component=d.component, repetition=d.repetition)
    return problems


def _body(text: str) -> list[list[str]]:
    (_, _, transaction) = next(read(text).transactions())
    return [s.elements for s in transaction.body]


@pytest.mark.parametrize(
    ("version", "delimiters"), [("004010", ("*", ">", "~")), ("005010", ("|", "^", "'")), ("004010", ("^", ":", "\n"))]
)
def test_a_release_is_a_940_that_passes_our_tables(version: str, delimiters: tuple[str, str, str]) -> None:
    partner = PartnerProfile("THREEPL", "Edison 3PL", X12Identity("ZZ", "THREEPL"), version, delimiters,
                             sku_xref={"3PL-RED": "WIDGET-RED"})  # fmt: skip
    location = Location("3PL-EDISON", "Edison 3PL", 40.52, -74.41, LocationKind.THIRD_PARTY, "08817")
    lines = [PlanLine(1, "WIDGET-RED", 24, ""), PlanLine(2, "012345678905", 5, "")]
    ship_to = {"name": "Ann Buyer", "line1": "1 Main St", "city": "New York", "region": "NY", "postal_code": "10001"}
    order = OrderDocument("ord_01KAAAAAAAAAAAAAAAAAAAAAAA", "USD", "10", {}, ship_to, lines, [])
    asked = WarehouseOrder(partner, location, order, LocationRelease(location.id, 3600, lines), "PO-7781", "key-1")
    depositor = depositor_order_number("key-1")

    draft = shipping_order_940(asked, depositor, AT)
    text = write_interchange(reply_envelope(partner, Sender()), 7, [GroupDraft("OW", 7, [draft])], AT)

    assert _problems(text) == []
    body = _body(text)
    assert body[0] == ["W05", "N", depositor, "PO-7781"] and len(depositor) == 22
    assert ["N9", "CO", "ord_01KAAAAAAAAAAAAAAAAAAAAAAA"] in body and ["N9", "PO", "PO-7781"] in body
    assert ["N1", "WH", "Edison 3PL", "92", "3PL-EDISON"] in body
    assert ["W01", "24", "EA", "", "VN", "WIDGET-RED", "BP", "3PL-RED"] in body
    upc = next(s for s in body if s[0] == "W01" and s[5] == "012345678905")
    assert upc[15:17] == ["UP", "012345678905"]
    assert body[-1] == ["W76", "29"]


@pytest.fixture
def placed(client: TestClient, container: Container) -> str:
    """An order placed at the 3PL's location; its id."""
    assert client.put("/v1/partners/THREEPL", json=THREEPL).status_code == 201
    assert client.post("/v1/locations", json=LOCATION).status_code == 201
    add_skus(container, "WIDGET-RED", "GADGET")
    stock(container, "WIDGET-RED", "3PL-EDISON", 50)
    stock(container, "GADGET", "3PL-EDISON", 50)
    response = client.post("/v1/orders", json=order_payload(("WIDGET-RED", 3), ("GADGET", 2)))
    assert response.status_code == 201, response.text
    order_id: str = response.json()["id"]
    return order_id


def _gateway(container: Container, outbox: Path) -> EdiWmsGateway:
    delivery = PartnerOutbox(container.uow, container.clock, outbox)
    return EdiWmsGateway(container.uow, X12WarehouseDocuments(Sender()), delivery, clock=container.clock)


def _release(order_id: str) -> WmsRelease:
    lines = [ReleaseLine(1, "WIDGET-RED", 3), ReleaseLine(2, "GADGET", 2)]
    return WmsRelease(order_id, "3PL-EDISON", lines, {})


class _Api:
    """The WMS API a routed gateway falls back to."""

    def __init__(self) -> None:
        self.released: list[str] = []

    async def release(self, release: WmsRelease, *, idempotency_key: str) -> str:
        self.released.append(release.location_id)
        return "WR-1"

    async def cancel_release(self, order_id: str, location_id: str, *, idempotency_key: str) -> CancelOutcome:
        return CancelOutcome.CANCELLED

    async def shipments(self, *, after_sequence: int) -> list[ShipmentNotice]:
        return []


def test_a_release_is_kept_once_written_to_the_partners_folder_and_cancelled_with_w05_f(
    placed: str, container: Container, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    api = _Api()
    routed = LocationRoutedWms(api, _gateway(container, outbox))

    first = asyncio.run(routed.release(_release(placed), idempotency_key=f"{placed}:release:3PL-EDISON:0"))
    again = asyncio.run(routed.release(_release(placed), idempotency_key=f"{placed}:release:3PL-EDISON:0"))
    other = asyncio.run(routed.release(WmsRelease(placed, "EWR", [], {}), idempotency_key="k"))

    assert first == again and other == "WR-1" and api.released == ["EWR"]
    (sent,) = (outbox / "THREEPL").iterdir()
    assert sent.name == f"940-{first}.edi" and _problems(sent.read_text()) == []
    assert _body(sent.read_text())[0][:3] == ["W05", "N", first]
    cancelled = asyncio.run(routed.cancel_release(placed, "3PL-EDISON", idempotency_key="c"))
    assert cancelled is CancelOutcome.CANCELLED
    cancel = (outbox / "THREEPL" / f"940-{first}-cancel.edi").read_text()
    assert _problems(cancel) == [] and _body(cancel)[0][:3] == ["W05", "F", first]
    with container.engine.connect() as c:
        kept = c.execute(sa.select(outbound_documents.c.kind, outbound_documents.c.reference)).all()
    assert sorted(kept) == [("940", first), ("940", f"{first}-F")]


def test_a_945_reads_into_a_shipment() -> None:
    (_, _, transaction) = next(read(document("945")).transactions())

    advice = read_shipping_advice(transaction)

    assert (advice.depositor_order_number, advice.shipment_id, advice.carrier) == ("ORD-1001", "SHIP-1001", "UPSN")
    assert advice.tracking_number == "1Z999AA10123456784" and advice.total_units == 6
    assert [(x.assigned, x.ordered, x.shipped, x.difference) for x in advice.lines] == [(1, 2, 2, 0), (2, 5, 4, 1)]
    assert advice.lines[1].product_ids == {"VN": "GADGET-BLUE"}


def _receive(container: Container, text: str) -> Any:
    message = InboundMessage("edi", text.encode(), container.clock(), "application/edi-x12")
    return receive_x12(container.uow, message, geocoder=container.geocoder, clock=container.clock)


def test_a_945_is_recorded_as_the_orders_shipment_with_its_short_lines(
    placed: str, client: TestClient, container: Container, tmp_path: Path
) -> None:
    depositor = asyncio.run(_gateway(container, tmp_path).release(_release(placed), idempotency_key="r-1"))
    advice = advice_945_from((tmp_path / "THREEPL" / f"940-{depositor}.edi").read_text(), short={"GADGET": 1})
    assert _problems(advice) == []

    receipt = _receive(container, advice)

    (outcome,) = receipt.transactions
    assert (outcome.code, outcome.verdict, outcome.order_id, outcome.errors) == ("945", "A", placed, [])
    assert outcome.shipment is not None and outcome.shipment.recorded
    with container.engine.connect() as c:
        row = c.execute(sa.select(shipments).where(shipments.c.order_id == placed)).one()
    assert (row.location_id, row.tracking_number, row.carrier) == ("3PL-EDISON", TRACKING, "UPSN")
    assert [(x["line_no"], x["sku"], x["quantity"]) for x in row.lines] == [(1, "WIDGET-RED", 3), (2, "GADGET", 1)]
    notes = [e["note"] for e in client.get(f"/v1/orders/{placed}").json()["timeline"] if e["type"] == "note"]
    assert any("shipped short" in n and "1 of 2" in n for n in notes), notes
    assert _receive(container, advice.replace("000000301", "000000302")).transactions[0].duplicate


def test_a_945_naming_no_order_of_ours_is_quarantined(placed: str, container: Container, tmp_path: Path) -> None:
    depositor = asyncio.run(_gateway(container, tmp_path).release(_release(placed), idempotency_key="r-1"))
    text = (tmp_path / "THREEPL" / f"940-{depositor}.edi").read_text().replace(placed, "ord_NOTOURS")
    advice = advice_945_from(text, depositor="WNOTOURS")

    (outcome,) = _receive(container, advice).transactions

    assert outcome.order_id is None and outcome.shipment is None
    assert outcome.errors[0]["field"] == "W0602" and "no shipping order" in outcome.errors[0]["reason"]
    with container.engine.connect() as c:
        statuses = [s for (s,) in c.execute(sa.select(inbound_messages.c.status))]
    assert "quarantined" in statuses
