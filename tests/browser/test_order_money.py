"""The order page in Chromium shows the ledger (each line's due, captured, refunded, outstanding) and a
return's timeline (requested, approved, received, settled) once a unit came back and was refunded."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from overture.bootstrap import Container
from overture.domain.returns import Outcome, RequestReturn, ReturnLineRequest, ReturnReason
from overture.services import payments, return_settlement, returns
from overture.services.fulfilment import receive_shipment
from overture.services.plans import ShipmentRecord
from overture.services.ports import InboundMessage
from tests.browser.conftest import CHROMIUM, shot
from tests.conftest import LiveServer
from tests.factories import add_locations, add_skus, order_payload, stock

if not Path(CHROMIUM).is_file():
    pytest.skip("browser tests skipped: Debian's chromium is not installed", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="browser tests skipped: playwright is not installed")


def _run(coroutine: Any) -> Any:
    # Playwright's sync API keeps an event loop running in this thread: run ours in another.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _returned_order(container: Container, console: LiveServer) -> tuple[str, str]:
    add_locations(container, ["EWR"])
    add_skus(container, "A", "B")
    stock(container, "A", "EWR", 5)
    stock(container, "B", "EWR", 5)
    body = order_payload(("A", 2), ("B", 1), charges=[{"kind": "discount", "amount": "-3.00"}])
    order_id = str(httpx.post(f"{console.url}/v1/orders", json=body, timeout=10).json()["id"])
    record = ShipmentRecord("shp_1", order_id, "EWR", "ups", "1Z999AA10123456784", container.clock(), [])
    message = InboundMessage("wms", json.dumps({"order_id": order_id}).encode(), container.clock())
    receive_shipment(container.uow, message, lambda _body: record, clock=container.clock)
    _run(payments.capture_shipped(container.uow, None, order_id, clock=container.clock))
    command = RequestReturn("api", "R-1", (ReturnLineRequest(1, ReturnReason.DAMAGED, line_no=1),), order_id=order_id)
    ret = returns.request_return(
        container.uow, command, message=None, policy=container.settings.return_policy(), clock=container.clock
    ).ret
    returns.receive_return(
        container.uow, ret.id, location_id="EWR", outcomes={1: [Outcome.RESTOCK]}, actor="t", clock=container.clock
    )
    _run(return_settlement.settle_return(container.uow, None, ret.id, clock=container.clock))
    return order_id, ret.id


def test_the_order_page_shows_the_ledger_and_the_returns_timeline(
    console_container: Container, console: LiveServer, page: Any
) -> None:
    order_id, return_id = _returned_order(console_container, console)
    page.goto(f"{console.url}/orders/{order_id}")
    ledger = page.get_by_test_id("ledger")
    ledger.wait_for()
    text = ledger.inner_text()
    # Line 1: 2 x 9.99 less its 2.00 share of the discount, captured 17.98; one unit back refunded 8.99,
    # so it owes 8.99; nothing outstanding.
    row = next(r for r in text.splitlines() if r.startswith("1\t"))
    assert row.split("\t")[2:] == ["8.99 USD", "17.98 USD", "8.99 USD", "0.00 USD", "0.00 USD"], text
    assert page.get_by_test_id("outstanding").inner_text().strip() == "0.00 USD"
    timeline = page.get_by_test_id(f"return-{return_id}").inner_text()
    for step in ("requested", "approved", "received", "settled"):
        assert step in timeline, timeline
    shot(page, "order-ledger-and-return")
