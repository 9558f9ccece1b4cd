"""Partner address books at work: a PO naming its ship-to by store number (X12 N1*ST*...*92*0042) or by
GLN only (EDIFACT NAD+DP+...::9) becomes an order shipped to the book's address; imports from CSV
are all or nothing with every bad row and column named. On both stores."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.channels.edifact.intake import receive_edifact
from overture.channels.x12.intake import receive_x12
from overture.domain.address_book import PartyId, edifact_party, parse_scheme, x12_party
from overture.services.errors import PayloadError
from overture.services.partner_import import import_addresses, import_partners
from overture.services.ports import InboundMessage
from overture.services.retry import read_only
from overture.store.tables import orders
from tests.channels.edifact.fixtures import ORDERS_96A, SENDER
from tests.channels.x12.fixtures import PO_850
from tests.factories import add_locations, add_skus, stock

PARTNERS_CSV = f"""partner_id,name,isa_qualifier,isa_id,version,strict,sends,ack_window_hours
ACME,Acme Stores,ZZ,ACMEBUYER,004010,no,850 860,12
{SENDER},Acme EU,,,005010,yes,ORDERS,48
"""
ADDRESSES_CSV = f"""partner_id,scheme,code,name,line1,city,region,postal_code,country
ACME,92,0042,Acme Store 42,42 Main St,Trenton,NJ,08608,US
ACME,gln,0614141000005,Acme DC West,1 Depot Way,Reno,NV,89502,US
{SENDER},gln,5412345000099,Acme Store Brussels,Rue Neuve 1,Brussels,,1000,BE
"""


def _seed(container: Container) -> None:
    import_partners(container.uow, PARTNERS_CSV, clock=container.clock, actor="test")
    import_addresses(container.uow, ADDRESSES_CSV, clock=container.clock)
    add_locations(container, ["EWR"])
    add_skus(container, "ACME-001", "ACME-002", "WIDGET-RED", "GADGET")
    for sku in ("ACME-001", "ACME-002", "WIDGET-RED", "GADGET"):
        stock(container, sku, "EWR", 500)


def _ship_to(container: Container, order_id: str) -> dict[str, Any]:
    with container.engine.connect() as c:
        row = c.execute(sa.select(orders.c.ship_to).where(orders.c.id == order_id)).scalar_one()
    return dict(row)


def test_schemes_are_the_same_place_in_either_standard() -> None:
    assert x12_party("UL", "0614141000005") == edifact_party("9", "0614141000005") == PartyId("gln", "0614141000005")
    assert x12_party("1", "123456789") == edifact_party("16", "123456789") == PartyId("duns", "123456789")
    assert x12_party("92", "0042") == PartyId("buyer", "0042")
    assert edifact_party("", "5412345000099") == PartyId("gln", "5412345000099")
    assert parse_scheme("UL") == "gln" and parse_scheme("edifact:9") == "gln" and parse_scheme("x12:zz") == "x12:ZZ"
    with pytest.raises(ValueError, match="not a scheme"):
        parse_scheme("planet")


def test_imported_partners_keep_their_settings(container: Container) -> None:
    _seed(container)
    acme = read_only(container.uow, lambda uow: uow.partners.get("ACME"))
    assert acme is not None and acme.x12 is not None
    assert (acme.x12.qualifier, acme.x12.id, acme.sends, acme.ack_window_hours, acme.strict) == (
        "ZZ",
        "ACMEBUYER",
        ("850", "860"),
        12,
        False,
    )
    eu = read_only(container.uow, lambda uow: uow.partners.get(SENDER))
    assert eu is not None and eu.strict and eu.x12_version == "005010"
    again = import_partners(container.uow, PARTNERS_CSV, clock=container.clock, actor="test")
    assert (again.created, again.updated) == (0, 2)


def test_an_850_naming_its_ship_to_by_store_number_ships_to_the_books_address(container: Container) -> None:
    _seed(container)
    text = PO_850.replace("N1*ST*Acme DC East*92*DC1~\nN3*100 Warehouse Rd*Dock 4~\nN4*Edison*NJ*08817*US~\n", "")
    text = text.replace("N1*BY*Acme Stores*92*ACME~\n", "N1*BY*Acme Stores*92*ACME~\nN1*ST*STORE 42*92*0042~\n")
    text = text.replace("SE*14*0001", "SE*12*0001")
    receipt = receive_x12(
        container.uow,
        InboundMessage("edi", text.encode(), container.clock(), "application/edi-x12"),
        geocoder=container.geocoder,
        clock=container.clock,
    )
    [outcome] = receipt.transactions
    assert outcome.order_id, outcome.errors
    ship_to = _ship_to(container, outcome.order_id)
    assert (ship_to["postal_code"], ship_to["city"], ship_to["line1"]) == ("08608", "Trenton", "42 Main St")
    assert ship_to["name"] == "STORE 42"  # the document's name wins over the book's


def test_an_850_with_an_unknown_store_number_is_refused_naming_the_ship_to(container: Container) -> None:
    _seed(container)
    text = PO_850.replace("N1*ST*Acme DC East*92*DC1~\nN3*100 Warehouse Rd*Dock 4~\nN4*Edison*NJ*08817*US~\n", "")
    text = text.replace("N1*BY*Acme Stores*92*ACME~\n", "N1*ST*STORE 99*92*0099~\n").replace("SE*14*", "SE*11*")
    receipt = receive_x12(
        container.uow,
        InboundMessage("edi", text.encode(), container.clock(), "application/edi-x12"),
        geocoder=container.geocoder,
        clock=container.clock,
    )
    [outcome] = receipt.transactions
    assert outcome.order_id is None
    assert any(e["field"] == "N1*ST/N4" for e in outcome.errors)


def test_an_edifact_party_with_only_a_gln_is_found_in_the_book(container: Container) -> None:
    _seed(container)
    text = ORDERS_96A.replace(
        "NAD+ST+5412345000020::9++Acme DC East+100 Warehouse Rd:Dock 4+Edison+NJ+08817+US'", "NAD+DP+5412345000099::9'"
    )
    receipt = receive_edifact(
        container.uow,
        InboundMessage("edifact", text.encode(), container.clock(), "application/edifact"),
        geocoder=container.geocoder,
        clock=container.clock,
    )
    [outcome] = receipt.messages
    assert outcome.order_id, outcome
    ship_to = _ship_to(container, outcome.order_id)
    assert (ship_to["postal_code"], ship_to["country"], ship_to["city"]) == ("1000", "BE", "Brussels")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("partner_id,scheme,code,planet\nACME,92,1,x\n", "header.planet"),
        ("partner_id,scheme\nACME,92\n", "header.code"),
        ("partner_id,scheme,code\nNOBODY,92,1\n", "row 2.partner_id"),
        ("partner_id,scheme,code\nACME,92,1\nACME,orbit,2\n", "row 3.scheme"),
        ("partner_id,scheme,code\nACME,gln,123\n", "row 2.code"),
        ("partner_id,scheme,code,country\nACME,92,1,USA\n", "row 2.country"),
    ],
)
def test_a_bad_address_file_is_refused_whole_naming_row_and_column(container: Container, text: str, field: str) -> None:
    _seed(container)
    before = read_only(container.uow, lambda uow: uow.partners.addresses("ACME"))
    with pytest.raises(PayloadError) as refused:
        import_addresses(container.uow, text, clock=container.clock)
    assert field in [e.field for e in refused.value.errors]
    assert read_only(container.uow, lambda uow: uow.partners.addresses("ACME")) == before


def test_the_api_imports_and_lists_the_book(container: Container) -> None:
    with TestClient(create_app(container)) as client:
        response = client.post("/v1/partners/import", content=PARTNERS_CSV, headers={"content-type": "text/csv"})
        assert response.status_code == 200, response.text
        assert response.json() == {"created": 2, "updated": 0}
        response = client.post("/v1/partners/addresses/import", content=ADDRESSES_CSV)
        assert response.json() == {"created": 3, "updated": 0}
        book = client.get("/v1/partners/ACME/addresses").json()["items"]
        assert [(e["scheme"], e["code"]) for e in book] == [("buyer", "0042"), ("gln", "0614141000005")]
        bad = client.post("/v1/partners/addresses/import", content="partner_id,scheme,code\nACME,orbit,1\n")
        assert bad.status_code == 422
        assert bad.json()["error"]["fields"][0]["field"] == "row 2.scheme"
        assert client.get("/v1/partners/NOBODY/addresses").status_code == 404
