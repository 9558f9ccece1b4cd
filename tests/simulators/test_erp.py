"""The ERP simulator over real HTTP with the real ERP connector and notifier."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from overture.services.ports.connector_errors import PermanentConnectorError, RetryableConnectorError
from overture.simulators.__main__ import _parser
from tests.simulators.conftest import Control, erp_connector, notifier

LINES: list[dict[str, Any]] = [{"line_no": 1, "sku": "SKU-1", "quantity": 2, "unit_price": "19.99"}]


def test_sales_order_then_invoice_idempotent_by_key(erp: Control) -> None:
    async def scenario() -> tuple[str, str, str, str]:
        async with erp_connector(erp.url) as connector:
            so = await connector.create_sales_order("ord_1", {"reference": "C-7"}, LINES, "USD", idempotency_key="s")
            so_again = await connector.create_sales_order(
                "ord_1", {"reference": "C-7"}, LINES, "USD", idempotency_key="s"
            )
            inv = await connector.create_invoice("ord_1", so, LINES, "USD", "39.98", idempotency_key="i")
            inv_again = await connector.create_invoice("ord_1", so, LINES, "USD", "39.98", idempotency_key="i")
            return so, so_again, inv, inv_again

    so, so_again, inv, inv_again = asyncio.run(scenario())
    assert so == so_again and so.startswith("SO-")
    assert inv == inv_again and inv.startswith("INV-")
    records = erp.records()
    assert (len(records["sales_orders"]), len(records["invoices"])) == (1, 1)
    assert records["invoices"][0]["total"] == "39.98"
    assert erp.stats()["invoice"]["keys"] == {"i": 2}


def test_invoice_for_an_unknown_sales_order_is_permanent(erp: Control) -> None:
    async def scenario() -> None:
        async with erp_connector(erp.url) as connector:
            with pytest.raises(PermanentConnectorError, match="unknown_sales_order"):
                await connector.create_invoice("ord_1", "SO-404", LINES, "USD", "1.00", idempotency_key="i")

    asyncio.run(scenario())
    assert erp.records()["invoices"] == []


def test_invoice_faults_record_nothing_until_they_clear(erp: Control) -> None:
    erp.faults(operation="invoice", fail_first=2, status=502)

    async def scenario() -> int:
        failures = 0
        async with erp_connector(erp.url) as connector:
            so = await connector.create_sales_order("ord_1", {}, LINES, "USD", idempotency_key="s")
            while True:
                try:
                    await connector.create_invoice("ord_1", so, LINES, "USD", "39.98", idempotency_key="i")
                    return failures
                except RetryableConnectorError:
                    failures += 1

    assert asyncio.run(scenario()) == 2
    assert len(erp.records()["invoices"]) == 1


def test_notifications_are_recorded_once_per_key(erp: Control) -> None:
    async def scenario() -> None:
        async with notifier(erp.url) as sender:
            for _ in range(2):
                await sender.notify("ord_1", "shipped", "ann@example.com", "On its way", idempotency_key="n")

    asyncio.run(scenario())
    [recorded] = erp.records()["notifications"]
    assert recorded["event"] == "shipped"
    assert erp.stats()["notification"]["calls"] == 2


def test_command_line_parses() -> None:
    args = _parser().parse_args(["wms", "--port", "9100"])
    assert (args.system, args.port, args.host) == ("wms", 9100, "127.0.0.1")
