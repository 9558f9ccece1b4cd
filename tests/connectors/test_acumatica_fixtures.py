"""Acumatica's own documented answers (tests/fixtures/acumatica/PROVENANCE.md) read through the
connector: the real shape of a record, a list of them and a refused field must all be accepted."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from overture.connectors.acumatica import AcumaticaConnector
from overture.connectors.acumatica_wire import StockItemRecord, StockItems, error_message
from overture.connectors.contracts import expect
from overture.connectors.http import ConnectorConfig
from overture.services.ports.connector_errors import PermanentConnectorError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "acumatica"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def answering(status: int, body: Any) -> httpx.MockTransport:
    """Sign-in answered 204 with a session cookie, every other call with ``body``."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/entity/auth/login":
            return httpx.Response(204, headers={"Set-Cookie": ".ASPXAUTH=ABC123; path=/; HttpOnly"})
        if request.url.path == "/entity/auth/logout":
            return httpx.Response(204)
        assert request.headers["Cookie"] == ".ASPXAUTH=ABC123"
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handle)


def read_stock_item(transport: httpx.MockTransport) -> StockItemRecord:
    async def scenario() -> StockItemRecord:
        config = ConnectorConfig("acumatica", "https://erp.example.com")
        async with AcumaticaConnector(
            config, username="admin", password="123", endpoint_version="25.200.001", transport=transport
        ) as erp:
            return await erp.stock_item("EJECTOR03")

    return asyncio.run(scenario())


def test_the_documented_stock_item_is_read_by_the_contract_model() -> None:
    item = read_stock_item(answering(200, fixture("stock_item_ejector03.json")))

    assert item.id == "a0f8594a-7de2-e811-b816-00155d408001"
    assert item.InventoryID.value == "EJECTOR03"


def test_a_listing_of_documented_records_is_read_as_records() -> None:
    listing = expect(
        StockItems, {"records": [fixture("stock_item_ejector03.json")]}, connector="acumatica", operation="list"
    )

    assert [record.InventoryID.value for record in listing.records] == ["EJECTOR03"]


def test_the_documented_refused_field_becomes_a_message_naming_it() -> None:
    body = fixture("field_error_customer.json")

    assert error_message(body) == "CustomerID: 'Customer' cannot be found in the system."
    with pytest.raises(PermanentConnectorError, match=r"CustomerID: 'Customer' cannot be found") as caught:
        read_stock_item(answering(422, body))
    assert caught.value.status == 422
