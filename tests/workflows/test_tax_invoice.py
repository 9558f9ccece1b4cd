"""Tax through a whole hub (real workflow engine, WMS and ERP simulators, the AvaTax simulator over HTTP):
an order posted without tax is priced per line at capture, and its invoice is committed to the engine once
as a SalesInvoice under the order id, with the tax the ledger charged; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from overture.bootstrap import bootstrap
from overture.config import Settings
from overture.outside import TaxAccess
from overture.simulators import SimulatorServer
from overture.simulators.tax import create_tax_app
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.conftest import TemporalEnv
from tests.workflows.hub import Hub, running_hub


@pytest.fixture
def avatax() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_tax_app()) as server:
        yield server


@pytest.fixture
def taxed_hub(
    temporal_env: TemporalEnv, task_queue: str, database_url: str, tmp_path: Path, avatax: SimulatorServer
) -> Iterator[Hub]:
    container = bootstrap(Settings(home=tmp_path, database_url=database_url, auth="off"), migrate=False)
    access = TaxAccess(avatax.url, "2000000000", "simulator-licence", "DEFAULT")
    try:
        with running_hub(temporal_env.client, task_queue, container, tax=access) as hub:
            yield hub
    finally:
        container.close()


def test_an_untaxed_order_is_priced_at_capture_and_committed_at_invoice(
    taxed_hub: Hub, avatax: SimulatorServer
) -> None:
    hub = taxed_hub
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A", "B")
    stock(hub.container, "A", "EWR", 10)
    stock(hub.container, "B", "EWR", 10)

    order_id = hub.post_order(order_payload(("A", 2), ("B", 1)))["id"]
    hub.wait_status(order_id, "completed")

    money = hub.http.get(f"/v1/orders/{order_id}/money").json()
    assert [line["tax"] for line in money["lines"]] == ["1.77", "0.89"]  # New York, 8.875 %
    kept = httpx.get(f"{avatax.url}/_transactions", timeout=5).json()
    assert [(t["code"], t["type"], t["status"], t["totalTax"]) for t in kept["transactions"]] == [
        (order_id, "SalesInvoice", "Committed", 2.66)
    ]
    assert tax_notes(hub, order_id) == []  # committed at what the ledger charged: nothing to note


def test_an_order_estimated_while_the_engine_was_down_notes_what_the_invoice_committed(
    taxed_hub: Hub, avatax: SimulatorServer
) -> None:
    hub = taxed_hub
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 10)
    hub.sim_faults(avatax, operation="createTransaction", down=True)  # the estimate, not the commit

    order_id = hub.post_order(order_payload(("A", 2)))["id"]
    hub.wait_status(order_id, "completed")

    # No rate table configured: the estimate charged nothing; the commit reports New York's 1.77.
    assert hub.http.get(f"/v1/orders/{order_id}/money").json()["totals"]["tax"] == "0.00"
    (kept,) = httpx.get(f"{avatax.url}/_transactions", timeout=5).json()["transactions"]
    assert (kept["code"], kept["totalTax"]) == (order_id, 1.77)
    assert tax_notes(hub, order_id) == ["tax committed to avatax: 1.77 USD; charged at capture: 0.00"]


def tax_notes(hub: Hub, order_id: str) -> list[str]:
    timeline = hub.order(order_id)["timeline"]
    return [e["note"] for e in timeline if e["type"] == "note" and "tax committed" in (e["note"] or "")]


def test_an_order_whose_channel_charged_tax_is_committed_with_that_tax_as_collected(
    taxed_hub: Hub, avatax: SimulatorServer
) -> None:
    hub = taxed_hub
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 10)
    charged = {"kind": "tax", "amount": "1.23", "code": "storefront", "line_no": 1}

    order_id = hub.post_order(order_payload(("A", 2), charges=[charged]))["id"]
    hub.wait_status(order_id, "completed")

    # Not priced again (1.23 is not New York's 8.875 % of 19.98): reported as the channel collected it.
    assert hub.http.get(f"/v1/orders/{order_id}/money").json()["totals"]["tax"] == "1.23"
    (kept,) = httpx.get(f"{avatax.url}/_transactions", timeout=5).json()["transactions"]
    assert (kept["code"], kept["type"], kept["totalTax"]) == (order_id, "SalesInvoice", 1.23)
    assert tax_notes(hub, order_id) == []


def test_a_returned_unit_reports_its_tax_given_back_as_a_return_invoice(
    taxed_hub: Hub, avatax: SimulatorServer
) -> None:
    hub = taxed_hub
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 10)
    order_id = hub.post_order(order_payload(("A", 2), payment_method="pm_card_visa"))["id"]  # priced by AvaTax: 1.77
    hub.wait_status(order_id, "completed")
    asked = {"external_id": "RMA-TAX-1", "lines": [{"line_no": 1, "quantity": 1, "reason": "damaged"}]}
    ret = hub.http.post(f"/v1/orders/{order_id}/returns", json=asked)
    assert ret.status_code == 201, ret.text
    return_id = ret.json()["id"]
    receipt = {"location_id": "EWR", "lines": [{"line_no": 1, "units": ["restock"]}]}
    assert hub.http.post(f"/v1/returns/{return_id}/receipt", json=receipt).status_code == 200

    def reported() -> list[dict[str, object]]:
        kept = httpx.get(f"{avatax.url}/_transactions", timeout=5).json()["transactions"]
        return [t for t in kept if t["code"] == return_id]

    hub.wait_for(lambda: bool(reported()), what="the ReturnInvoice", timeout_s=90)
    (given_back,) = reported()
    money = hub.http.get(f"/v1/orders/{order_id}/money").json()
    returned_tax = sum(
        Decimal(e["amount"]) for e in money["entries"] if e["kind"] == "tax" and e["cause"] == f"return {return_id}"
    )
    assert (given_back["type"], given_back["status"]) == ("ReturnInvoice", "Committed")
    assert Decimal(str(given_back["totalTax"])) == returned_tax == Decimal("-0.89")  # half of 1.77, to the cent
