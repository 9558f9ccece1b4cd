"""A buyer's 850 shipped by a 3PL over EDI, end to end: the order is routed to the 3PL partner's location,
its release goes out as a 940 to the partner's outbox, the 3PL's 945 (built from that 940) is posted to
the EDI intake, and the order ships, invoices and completes, the buyer getting its 856 and 810."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from overture.bootstrap import bootstrap
from overture.channels.x12.envelope import read
from overture.channels.x12.schema import validate
from overture.channels.x12.sets import schema_for
from overture.config import Settings
from tests.channels.x12.fixtures import PO_850
from tests.channels.x12.warehouse_fixtures import TRACKING, advice_945_from
from tests.factories import add_skus, stock
from tests.workflows.hub import Hub, running_hub
from tests.workflows.temporal_fixtures import TemporalEnv

ACME = {
    "name": "Acme Stores",
    "x12": {"qualifier": "ZZ", "id": "ACMEBUYER"},
    "sku_xref": {"ACME-001": "WIDGET-RED", "ACME-002": "GADGET"},
    "uom_factors": {"CA": 12},
}
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


@pytest.fixture
def hub(temporal_env: TemporalEnv, task_queue: str, database_url: str, tmp_path: Path) -> Iterator[Hub]:
    settings = Settings(home=tmp_path, database_url=database_url, auth="off", edi_outbox_dir=tmp_path / "outbox")
    container = bootstrap(settings, migrate=False)
    try:
        with running_hub(temporal_env.client, task_queue, container) as running:
            yield running
    finally:
        container.close()


def _sets(text: str) -> list[list[list[str]]]:
    """Each set of a document, after our own tables found no problem in it."""
    found = []
    for interchange, group, transaction in read(text).transactions():
        schema = schema_for(transaction.code, group.version)
        assert schema is not None
        d = interchange.delimiters
        assert validate(schema, transaction.segments, component=d.component, repetition=d.repetition) == []
        found.append([s.elements for s in transaction.body])
    return found


def _wait_for_file(folder: Path, timeout_s: float = 60) -> Path:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        files = sorted(folder.glob("940-*.edi")) if folder.is_dir() else []
        if files:
            return files[0]
        time.sleep(0.1)
    raise AssertionError(f"no 940 in {folder} after {timeout_s} s")


def test_an_850_shipped_by_an_edi_3pl_is_shipped_invoiced_and_told_to_the_buyer(hub: Hub, tmp_path: Path) -> None:
    assert hub.http.put("/v1/partners/ACME", json=ACME).status_code == 201
    assert hub.http.put("/v1/partners/THREEPL", json=THREEPL).status_code == 201
    assert hub.http.post("/v1/locations", json=LOCATION).status_code == 201
    add_skus(hub.container, "WIDGET-RED", "GADGET")
    stock(hub.container, "WIDGET-RED", "3PL-EDISON", 100)
    stock(hub.container, "GADGET", "3PL-EDISON", 100)

    response = hub.http.post("/v1/channels/edi", content=PO_850.encode())
    assert response.status_code == 200, response.text
    order_id = response.json()["transactions"][0]["order_id"]

    sent = _wait_for_file(tmp_path / "outbox" / "THREEPL")
    (order_940,) = _sets(sent.read_text())
    assert order_940[0][:2] == ["W05", "N"] and order_940[0][3] == "PO-7781"
    assert ["N9", "CO", order_id] in order_940
    assert [s[:6] for s in order_940 if s[0] == "W01"] == [
        ["W01", "24", "EA", "", "VN", "WIDGET-RED"],
        ["W01", "5", "EA", "", "VN", "GADGET"],
    ]
    hub.wait_for(lambda: hub.order(order_id)["status"] == "released", what="released")

    advice = hub.http.post("/v1/channels/edi", content=advice_945_from(sent.read_text()).encode())
    assert advice.status_code == 200, advice.text
    (outcome,) = advice.json()["transactions"]
    assert (outcome["code"], outcome["order_id"], outcome["errors"]) == ("945", order_id, [])

    order = hub.wait_status(order_id, "completed")
    assert TRACKING in {r["value"] for r in order["references"] if r["kind"] == "tracking_number"}
    listing = hub.http.get("/v1/partners/ACME/documents", params={"order_id": order_id}).json()["items"]
    assert [d["kind"] for d in listing] == ["855", "856", "810"]
    bodies = {d["kind"]: hub.http.get(f"/v1/partners/ACME/documents/{d['id']}").text for d in listing}
    (ship_notice,) = _sets(bodies["856"])
    assert ["REF", "CN", TRACKING] in ship_notice
    assert [s for s in ship_notice if s[0] == "SN1"] == [["SN1", "", "24", "EA"], ["SN1", "", "5", "EA"]]
    (invoice,) = _sets(bodies["810"])
    assert invoice[0][4] == "PO-7781"
