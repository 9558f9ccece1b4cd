"""Connector contract checks (connectors/contracts.py): an answer read against the fields a connector
relies on; extra fields are the vendor's business, a missing, renamed or retyped one is api drift."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from overture.connectors.contracts import RAW_LIMIT, Contract, expect
from overture.connectors.erp import ErpConnector
from overture.connectors.http import ConnectorConfig
from overture.services.ports.connector_errors import ApiDriftError, PermanentConnectorError


class Line(Contract):
    sku: str
    quantity: int


class Answer(Contract):
    id: str
    lines: list[Line]
    note: str | None = None


def test_an_answer_with_more_fields_than_we_read_fits() -> None:
    read = expect(
        Answer,
        {"id": "A", "lines": [{"sku": "S", "quantity": 2, "new": 1}], "extra": {}},
        connector="x",
        operation="op",
    )
    assert read.id == "A" and read.lines[0].quantity == 2


def test_every_field_that_does_not_fit_is_named_by_its_path() -> None:
    answer = {"ID": "A", "lines": [{"sku": "S", "quantity": "2"}, {"quantity": 1}]}
    with pytest.raises(ApiDriftError) as raised:
        expect(Answer, answer, connector="erp", operation="create_sales_order", status=200)
    error = raised.value
    assert error.problems == (
        "id: missing",
        "lines.0.quantity: input should be a valid integer",
        "lines.1.sku: missing",
    )
    assert isinstance(error, PermanentConnectorError)  # never retried: the vendor changed its API
    assert (error.connector, error.operation, error.status) == ("erp", "create_sales_order", 200)
    assert str(error).startswith("erp create_sales_order (HTTP 200): api drift: the answer does not fit")
    assert '"ID": "A"' in error.raw


def test_a_huge_answer_is_kept_cut_not_whole() -> None:
    with pytest.raises(ApiDriftError) as raised:
        expect(Answer, {"blob": "x" * (RAW_LIMIT * 2)}, connector="x", operation="op")
    assert len(raised.value.raw) == RAW_LIMIT + len("...(cut)")


def test_a_drifted_erp_answer_counts_as_drift_not_as_an_ok_call() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json={"salesOrderId": "SO-1"})

    async def call() -> ErpConnector:
        erp = ErpConnector(ConnectorConfig("erp", "http://erp"), transport=httpx.MockTransport(answer))
        async with erp:
            with pytest.raises(ApiDriftError, match="sales_order_id: missing"):
                await erp.create_sales_order("o1", {}, [], "USD", idempotency_key="k")
        return erp

    erp = asyncio.run(call())
    assert (erp.stats.calls, erp.stats.errors) == (1, 1)
