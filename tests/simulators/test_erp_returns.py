"""Credit memos and return receipts on the ERP simulator, over real HTTP with the real connector:
one record per Idempotency-Key, whatever the workflow retries."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from overture.connectors.erp import ErpConnector
from overture.services.ports.connector_errors import PermanentConnectorError, RetryableConnectorError
from tests.simulators.conftest import Control, erp_connector

SALE: list[dict[str, Any]] = [{"line_no": 1, "sku": "SKU-1", "quantity": 2, "unit_price": "19.99"}]
MEMO: list[dict[str, Any]] = [
    {"line_no": 1, "sku": "SKU-1", "quantity": 1, "amount": "21.64"},
    {"line_no": 2, "sku": "SKU-2", "quantity": 1, "amount": "5.00"},
]
RECEIPT: list[dict[str, Any]] = [
    {"line_no": 1, "sku": "SKU-1", "quantity": 1, "location_id": "loc_1", "disposition": "restock"},
    {"line_no": 2, "sku": "SKU-2", "quantity": 1, "location_id": "loc_1", "disposition": "scrap"},
]


async def _invoice(connector: ErpConnector, order_id: str = "ord_1") -> str:
    so = await connector.create_sales_order(order_id, {}, SALE, "USD", idempotency_key=f"{order_id}:so")
    return await connector.create_invoice(order_id, so, SALE, "USD", "39.98", idempotency_key=f"{order_id}:inv")


async def _memo(
    connector: ErpConnector,
    invoice: str,
    *,
    key: str = "cm",
    total: str = "26.64",
    lines: list[dict[str, Any]] = MEMO,
    currency: str = "USD",
    reason: str = "return ret_1: refund",
) -> str:
    return await connector.create_credit_memo(
        "ord_1", invoice, "re_1", lines, currency, total, reason, idempotency_key=key
    )


def test_the_same_key_twice_records_one_credit_memo(erp: Control) -> None:
    async def scenario() -> tuple[str, str]:
        async with erp_connector(erp.url) as connector:
            invoice = await _invoice(connector)
            return await _memo(connector, invoice), await _memo(connector, invoice)

    first, again = asyncio.run(scenario())
    assert first == again and first.startswith("CM-")
    [memo] = erp.records()["credit_memos"]
    assert (memo["credit_memo_id"], memo["total"], memo["refund_id"]) == (first, "26.64", "re_1")
    assert memo["lines"] == MEMO
    assert erp.stats()["credit_memo"]["keys"] == {"cm": 2}


def test_a_different_body_under_the_same_key_is_a_conflict(erp: Control) -> None:
    async def scenario() -> None:
        async with erp_connector(erp.url) as connector:
            invoice = await _invoice(connector)
            await _memo(connector, invoice)
            with pytest.raises(PermanentConnectorError, match="idempotency_conflict"):
                await _memo(connector, invoice, reason="another reason")

    asyncio.run(scenario())
    assert len(erp.records()["credit_memos"]) == 1


def test_injected_faults_record_no_credit_memo(erp: Control) -> None:
    erp.faults(operation="credit_memo", fail_first=2, status=503)

    async def scenario() -> int:
        failures = 0
        async with erp_connector(erp.url) as connector:
            invoice = await _invoice(connector)
            while True:
                try:
                    await _memo(connector, invoice)
                    return failures
                except RetryableConnectorError:
                    failures += 1
                    assert erp.records()["credit_memos"] == []

    assert asyncio.run(scenario()) == 2
    assert len(erp.records()["credit_memos"]) == 1
    assert erp.stats()["credit_memo"] | {"keys": None} == {"calls": 3, "faulted": 2, "recorded": 1, "keys": None}


def test_a_credit_memo_needs_an_invoice_of_its_order(erp: Control) -> None:
    async def scenario() -> None:
        async with erp_connector(erp.url) as connector:
            with pytest.raises(PermanentConnectorError, match="unknown_invoice"):
                await _memo(connector, "INV-404")
            other = await _invoice(connector, "ord_2")
            with pytest.raises(PermanentConnectorError, match="wrong_order"):
                await _memo(connector, other, key="cm2")

    asyncio.run(scenario())
    assert erp.records()["credit_memos"] == []


def test_a_credit_memo_total_must_be_the_sum_of_its_lines(erp: Control) -> None:
    async def scenario() -> None:
        async with erp_connector(erp.url) as connector:
            invoice = await _invoice(connector)
            with pytest.raises(PermanentConnectorError, match="total_mismatch") as caught:
                await _memo(connector, invoice, total="26.65")
            assert "26.64" in str(caught.value)

    asyncio.run(scenario())
    assert erp.records()["credit_memos"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": [{**MEMO[0], "amount": 21.64}]}, "amount"),
        ({"lines": [{**MEMO[0], "amount": "lots"}]}, "amount"),
        ({"lines": [{**MEMO[0], "quantity": 0}]}, "quantity"),
        ({"lines": []}, "lines"),
        ({"currency": "DOLLARS"}, "currency"),
        ({"reason": ""}, "reason"),
    ],
)
def test_a_bad_credit_memo_is_refused_naming_the_field(erp: Control, change: dict[str, Any], field: str) -> None:
    async def scenario() -> None:
        async with erp_connector(erp.url) as connector:
            invoice = await _invoice(connector)
            with pytest.raises(PermanentConnectorError, match=field) as caught:
                await _memo(connector, invoice, **change)
            assert caught.value.status == 422

    asyncio.run(scenario())
    assert erp.records()["credit_memos"] == []


def test_return_receipts_are_recorded_once_per_key(erp: Control) -> None:
    async def scenario() -> tuple[str, str]:
        async with erp_connector(erp.url) as connector:
            first = await connector.record_return_receipt("ord_1", "ret_1", RECEIPT, idempotency_key="rr")
            again = await connector.record_return_receipt("ord_1", "ret_1", RECEIPT, idempotency_key="rr")
            return first, again

    first, again = asyncio.run(scenario())
    assert first == again and first.startswith("RR-")
    [receipt] = erp.records()["return_receipts"]
    assert (receipt["return_id"], receipt["lines"]) == ("ret_1", RECEIPT)


def test_injected_faults_record_no_return_receipt(erp: Control) -> None:
    erp.faults(operation="return_receipt", fail_first=1, status=500)

    async def scenario() -> None:
        async with erp_connector(erp.url) as connector:
            with pytest.raises(RetryableConnectorError):
                await connector.record_return_receipt("ord_1", "ret_1", RECEIPT, idempotency_key="rr")
            assert erp.records()["return_receipts"] == []
            await connector.record_return_receipt("ord_1", "ret_1", RECEIPT, idempotency_key="rr")

    asyncio.run(scenario())
    assert len(erp.records()["return_receipts"]) == 1


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({**RECEIPT[0], "disposition": "resell"}, "disposition"),
        ({**RECEIPT[0], "location_id": ""}, "location_id"),
        ({**RECEIPT[0], "quantity": -1}, "quantity"),
        ({k: v for k, v in RECEIPT[0].items() if k != "sku"}, "sku"),
    ],
)
def test_a_bad_return_receipt_is_refused_naming_the_field(erp: Control, line: dict[str, Any], field: str) -> None:
    async def scenario() -> None:
        async with erp_connector(erp.url) as connector:
            with pytest.raises(PermanentConnectorError, match=field):
                await connector.record_return_receipt("ord_1", "ret_1", [line], idempotency_key="rr")

    asyncio.run(scenario())
    assert erp.records()["return_receipts"] == []


def test_reset_clears_memos_and_receipts(erp: Control) -> None:
    async def scenario() -> None:
        async with erp_connector(erp.url) as connector:
            await _memo(connector, await _invoice(connector))
            await connector.record_return_receipt("ord_1", "ret_1", RECEIPT, idempotency_key="rr")

    asyncio.run(scenario())
    erp.post("/_reset").raise_for_status()
    records = erp.records()
    assert (records["credit_memos"], records["return_receipts"]) == ([], [])
