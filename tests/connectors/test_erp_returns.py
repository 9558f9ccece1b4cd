"""The ERP connector's credit memos and return receipts against httpx.MockTransport: what goes on the wire."""

from __future__ import annotations

import httpx
import pytest

from overture.connectors.erp import ErpConnector
from overture.services.ports.connector_errors import PermanentConnectorError, RetryableConnectorError
from tests.connectors.test_wms_erp import Recorder, run

MEMO_LINES = [{"line_no": 1, "sku": "SKU-1", "quantity": 1, "amount": "21.64"}]
RECEIPT_LINES = [
    {"line_no": 1, "sku": "SKU-1", "quantity": 1, "location_id": "loc_1", "disposition": "restock"},
    {"line_no": 1, "sku": "SKU-1", "quantity": 1, "location_id": "loc_1", "disposition": "scrap"},
]


def test_credit_memo_posts_every_field_with_its_key() -> None:
    recorder = Recorder(httpx.Response(201, json={"credit_memo_id": "CM-1"}))

    async def work(erp: ErpConnector) -> str:
        return await erp.create_credit_memo(
            "ord_1", "INV-1", "re_1", MEMO_LINES, "USD", "21.64", "return ret_1: refund", idempotency_key="cm:ret_1"
        )

    assert run(ErpConnector, recorder, work) == "CM-1"
    request = recorder.requests[0]
    assert (request.method, request.url.path) == ("POST", "/v1/credit-memos")
    assert request.headers["Idempotency-Key"] == "cm:ret_1"
    assert recorder.body() == {
        "order_id": "ord_1",
        "invoice_id": "INV-1",
        "refund_id": "re_1",
        "lines": MEMO_LINES,
        "currency": "USD",
        "total": "21.64",
        "reason": "return ret_1: refund",
    }


def test_return_receipt_posts_the_lines_with_their_key() -> None:
    recorder = Recorder(httpx.Response(201, json={"receipt_id": "RR-1"}))

    async def work(erp: ErpConnector) -> str:
        return await erp.record_return_receipt("ord_1", "ret_1", RECEIPT_LINES, idempotency_key="rr:ret_1")

    assert run(ErpConnector, recorder, work) == "RR-1"
    request = recorder.requests[0]
    assert (request.method, request.url.path) == ("POST", "/v1/return-receipts")
    assert request.headers["Idempotency-Key"] == "rr:ret_1"
    assert recorder.body() == {"order_id": "ord_1", "return_id": "ret_1", "lines": RECEIPT_LINES}


@pytest.mark.parametrize(
    ("answer", "error", "match"),
    [
        (httpx.Response(201, json={"id": "CM-1"}), PermanentConnectorError, "credit_memo_id"),
        (httpx.Response(422, json={"error": "total_mismatch"}), PermanentConnectorError, "total_mismatch"),
        (httpx.Response(503, json={"error": "down"}), RetryableConnectorError, "503"),
    ],
)
def test_credit_memo_failures_say_whether_a_retry_helps(
    answer: httpx.Response, error: type[Exception], match: str
) -> None:
    async def work(erp: ErpConnector) -> str:
        return await erp.create_credit_memo("o", "INV-1", "re_1", MEMO_LINES, "USD", "21.64", "r", idempotency_key="k")

    with pytest.raises(error, match=match):
        run(ErpConnector, Recorder(answer), work)


def test_return_receipt_answer_without_an_id_is_permanent() -> None:
    async def work(erp: ErpConnector) -> str:
        return await erp.record_return_receipt("o", "ret_1", RECEIPT_LINES, idempotency_key="k")

    with pytest.raises(PermanentConnectorError, match="receipt_id"):
        run(ErpConnector, Recorder(httpx.Response(201, json={})), work)
