"""A drop-ship supplier's 810, matched three ways (our 850, its 856, its invoice) through the EDI intake:
a match is recorded; a quantity or a price off opens an exception on the order naming the lines and the
differences; an 810 for a PO that is not ours is quarantined; one sent again is not matched twice."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.channels.x12.intake import EdiReceipt, receive_x12
from overture.channels.x12.partner_documents import X12PartnerDocuments
from overture.services import drop_ship, fulfilment
from overture.services.ports import InboundMessage, UnitOfWork
from overture.services.ports.supplier_invoices import InvoiceMatch, SupplierInvoiceRecord
from overture.services.retry import in_transaction, read_only
from overture.store.tables import inbound_messages, order_exceptions
from tests.channels.x12.supplier_fixtures import SHIP_856, with_po
from tests.factories import add_skus, order_payload, stock

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
INVOICE_810 = """ISA*00*          *00*          *ZZ*SUPPLYCO       *ZZ*OVERTURE       *261125*1200*U*00401*{icn}*0*P*>~
GS*IN*SUPPLYCO*OVERTURE*20261125*1200*{icn}*X*004010~
ST*810*0001~
BIG*20261125*{invoice}**{po}~
CUR*SE*USD~
IT1*1*{quantity}*EA*{price}**VP*SUP-RED*BP*WIDGET-RED~
TDS*{cents}~
CTT*1~
SE*7*0001~
GE*1*{icn}~
IEA*1*{icn}~
"""


def _invoice(po: str, *, quantity: int = 2, price: str = "7.50", invoice: str = "INV-9001", icn: int = 401) -> str:
    cents = int(quantity * float(price) * 100)
    values = {"po": po, "quantity": quantity, "price": price, "invoice": invoice, "icn": f"{icn:09d}", "cents": cents}
    return INVOICE_810.format(**values)


def _receive(container: Container, text: str) -> EdiReceipt:
    message = InboundMessage("edi", text.encode(), container.clock(), "application/edi-x12")
    return receive_x12(container.uow, message, geocoder=container.geocoder, clock=container.clock)


@pytest.fixture
def shipped(client: TestClient, container: Container) -> tuple[str, str]:
    """(order id, our PO number): 2 WIDGET-RED ordered from the supplier by our 850, and shipped by its 856."""
    assert client.put("/v1/partners/SUPPLYCO", json=SUPPLYCO).status_code == 201
    assert client.post("/v1/locations", json=LOCATION).status_code == 201
    add_skus(container, "WIDGET-RED")
    stock(container, "WIDGET-RED", "SUPPLYCO-DS", 50)
    order_id: str = client.post("/v1/orders", json=order_payload(("WIDGET-RED", 2))).json()["id"]
    document = fulfilment.load_document(container.uow, order_id)

    def send(uow: UnitOfWork) -> str:
        location = uow.sourcing.locations(["SUPPLYCO-DS"])["SUPPLYCO-DS"]
        order = drop_ship.supplier_order(uow, document, location)
        return X12PartnerDocuments().send_purchase_order(uow, order, at=datetime(2026, 11, 23, tzinfo=UTC))

    po = in_transaction(container.uow, send)
    (ship,) = _receive(container, with_po(SHIP_856, po)).transactions
    assert ship.shipment is not None and ship.shipment.recorded
    return order_id, po


def _record(container: Container, number: str = "INV-9001") -> SupplierInvoiceRecord:
    record = read_only(container.uow, lambda uow: uow.supplier_invoices.get("SUPPLYCO", number))
    assert record is not None
    return record


def _exceptions(container: Container, order_id: str) -> list[Any]:
    with container.engine.connect() as c:
        query = sa.select(order_exceptions).where(order_exceptions.c.order_id == order_id)
        return list(c.execute(query).all())


def test_an_invoice_matching_our_po_and_the_shipment_is_recorded(
    shipped: tuple[str, str], container: Container
) -> None:
    order_id, po = shipped

    (outcome,) = _receive(container, _invoice(po)).transactions

    assert (outcome.code, outcome.verdict, outcome.order_id, outcome.errors) == ("810", "A", order_id, [])
    record = _record(container)
    assert (record.status, record.po_number, record.location_id, record.exception_id) == (
        InvoiceMatch.MATCHED, po, "SUPPLYCO-DS", None
    )  # fmt: skip
    assert str(record.total) == "15" and record.lines[0]["problems"] == []
    assert _exceptions(container, order_id) == []
    (again,) = _receive(container, _invoice(po, icn=402)).transactions
    assert (
        again.order_id == order_id
        and read_only(container.uow, lambda uow: len(uow.supplier_invoices.for_order(order_id))) == 1
    )


def test_invoicing_more_than_shipped_opens_an_exception_with_the_difference(
    shipped: tuple[str, str], container: Container
) -> None:
    order_id, po = shipped

    _receive(container, _invoice(po, quantity=3))

    record = _record(container)
    (exception,) = _exceptions(container, order_id)
    assert record.status is InvoiceMatch.MISMATCHED and record.exception_id == exception.id
    assert (exception.type, exception.status) == ("supplier_invoice_mismatch", "open")
    (line,) = exception.details["lines"]
    assert (line["ordered"], line["shipped"], line["invoiced"], line["quantity_difference"]) == (2, 2, 3, 1)
    assert line["problems"] == ["invoiced 3, shipped 2", "invoiced 3, ordered 2"]
    assert exception.details["invoice_number"] == "INV-9001" and exception.details["po_number"] == po
    assert "line 1 invoiced 3, shipped 2" in exception.reason


def test_a_unit_price_off_our_po_opens_an_exception_with_both_prices(
    shipped: tuple[str, str], container: Container
) -> None:
    order_id, po = shipped

    _receive(container, _invoice(po, price="8.00"))

    (exception,) = _exceptions(container, order_id)
    (line,) = exception.details["lines"]
    assert (line["po_unit_price"], line["invoiced_unit_price"], line["price_difference"]) == ("7.5", "8.00", "0.50")
    assert line["problems"] == ["unit price 8.00, our PO 7.5"] and line["quantity_difference"] == 0
    assert _record(container).status is InvoiceMatch.MISMATCHED


def test_an_invoice_for_a_po_that_is_not_ours_is_quarantined(shipped: tuple[str, str], container: Container) -> None:
    (outcome,) = _receive(container, _invoice("DSNOTOURS")).transactions

    assert outcome.order_id is None and outcome.errors[0]["field"] == "BIG04"
    assert "not a purchase order we sent" in outcome.errors[0]["reason"]
    assert read_only(container.uow, lambda uow: uow.supplier_invoices.get("SUPPLYCO", "INV-9001")) is None
    with container.engine.connect() as c:
        statuses = [s for (s,) in c.execute(sa.select(inbound_messages.c.status))]
    assert "quarantined" in statuses


def test_a_second_856_for_a_po_already_shipped_is_still_ours(shipped: tuple[str, str], container: Container) -> None:
    order_id, po = shipped
    again = with_po(SHIP_856, po).replace("SHIP-55", "SHIP-56").replace("000000203", "000000204")
    (outcome,) = _receive(container, again).transactions
    assert outcome.order_id == order_id, outcome.errors  # matched, not quarantined as "not our PO"
