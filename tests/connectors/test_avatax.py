"""The AvaTax connector against the AvaTax simulator over HTTP, and against AvaTax's own SDK fixtures
(tests/connectors/fixtures/avatax/PROVENANCE.md): tax per line with its jurisdictions, a committed invoice
kept once however often it is sent, refusals named by AvaTax's code, throttling and drift."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from overture.connectors.avatax import AvaTaxConnector, _model, _result, _Transaction
from overture.connectors.contracts import expect
from overture.connectors.http import ConnectorConfig
from overture.services.ports.connector_errors import (
    ApiDriftError,
    PermanentConnectorError,
    RetryableConnectorError,
    ThrottledError,
)
from overture.services.ports.tax import DocumentKind, TaxAddress, TaxDocument, TaxLine, TaxResult
from overture.simulators import SimulatorServer
from overture.simulators.tax import create_tax_app

FIXTURES = Path(__file__).parent / "fixtures" / "avatax"
IRVINE = TaxAddress("92615", "US", "CA", "Irvine", "123 Main Street")
PORTLAND = TaxAddress("97201", "US", "OR", "Portland")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture(scope="module")
def avatax() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_tax_app()) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh(avatax: SimulatorServer) -> None:
    httpx.post(f"{avatax.url}/_reset", timeout=5).raise_for_status()


def document(
    kind: DocumentKind = DocumentKind.SALES_ORDER, *, to: TaxAddress = IRVINE, code: str = "ord_1"
) -> TaxDocument:
    lines = (TaxLine(1, "YARN", 1, Decimal("100.00")), TaxLine(2, "NEEDLES", 3, Decimal("19.99")))
    commit = kind is not DocumentKind.SALES_ORDER
    return TaxDocument(code, kind, "ABC", "USD", date(2026, 12, 7), to, lines, commit=commit)


def calculate(url: str, doc: TaxDocument, *, licence: str = "simulator-licence") -> TaxResult:
    async def scenario() -> TaxResult:
        config = ConnectorConfig("avatax", url)
        async with AvaTaxConnector(config, account_id="2000000000", license_key=licence, company_code="DEFAULT") as c:
            return await c.calculate(doc)

    return asyncio.run(scenario())


def test_an_estimate_is_priced_per_line_by_jurisdiction_and_not_kept(avatax: SimulatorServer) -> None:
    result = calculate(avatax.url, document())

    # California 6 % + Orange County 0.25 % + special 1.5 % = 7.75 %: 7.75 on 100.00, 1.55 on 19.99.
    assert [(x.number, x.tax, x.rate) for x in result.lines] == [
        (1, Decimal("7.75"), Decimal("0.0775")),
        (2, Decimal("1.55"), Decimal("0.0775")),
    ]
    assert result.lines[0].jurisdictions == ("CALIFORNIA", "ORANGE", "CA SPECIAL")
    assert (result.engine, result.committed, result.total) == ("avatax", False, Decimal("9.30"))
    assert httpx.get(f"{avatax.url}/_transactions", timeout=5).json()["transactions"] == []


def test_no_nexus_no_tax(avatax: SimulatorServer) -> None:
    assert calculate(avatax.url, document(to=PORTLAND)).total == Decimal(0)


def test_a_committed_invoice_sent_twice_is_one_transaction_adjusted_to_the_same(avatax: SimulatorServer) -> None:
    first = calculate(avatax.url, document(DocumentKind.SALES_INVOICE))
    again = calculate(avatax.url, document(DocumentKind.SALES_INVOICE))

    assert first.committed and again.committed and first.total == again.total == Decimal("9.30")
    kept = httpx.get(f"{avatax.url}/_transactions", timeout=5).json()
    assert [(t["code"], t["type"], t["version"]) for t in kept["transactions"]] == [("ord_1", "SalesInvoice", 2)]
    stats = httpx.get(f"{avatax.url}/_stats", timeout=5).json()
    assert stats["createOrAdjustTransaction"]["calls"] == 2


def test_what_is_sent_is_avataxs_create_transaction_model() -> None:
    model = _model(document(DocumentKind.SALES_INVOICE), "DEFAULT")
    sent = fixture("sdk_transaction_request")
    # The SDK's own request has the same keys (ours adds the code and names no purchase order or description).
    assert set(sent) - set(model) <= {"purchaseOrderNo", "description"}
    assert set(sent["lines"][0]) == set(model["lines"][0]) | {"description", "taxCode"}  # ours: the default code
    assert model["addresses"] == {
        "singleLocation": {
            "line1": "123 Main Street",
            "city": "Irvine",
            "region": "CA",
            "postalCode": "92615",
            "country": "US",
        }
    }
    assert model["lines"][1] == {"number": "2", "quantity": 3, "amount": 19.99, "itemCode": "NEEDLES"}


def test_avataxs_recorded_answer_reads_as_tax_per_line() -> None:
    answer = expect(_Transaction, fixture("sdk_transaction_response"), connector="avatax", operation="create")
    doc = TaxDocument(
        "8f8084cb",
        DocumentKind.SALES_INVOICE,
        "ABC",
        "USD",
        date(2017, 4, 12),
        IRVINE,
        (TaxLine(1, "Y0001", 1, Decimal(100)),),
    )
    result = _result(answer, doc, "avatax")
    assert (result.total, result.committed) == (Decimal("7.75"), True)
    (line,) = result.lines
    assert line.rate == Decimal("0.0775") and "ORANGE" in line.jurisdictions


def test_refusals_are_permanent_and_name_avataxs_code(avatax: SimulatorServer) -> None:
    with pytest.raises(PermanentConnectorError, match="AuthenticationException") as auth:
        calculate(avatax.url, document(), licence="wrong")
    assert auth.value.status == 401
    no_address = document(to=TaxAddress("", "US"))
    with pytest.raises(PermanentConnectorError, match=r"AvaTax refused the transaction: .*MissingAddress"):
        calculate(avatax.url, no_address)


@pytest.mark.parametrize(
    ("fault", "error"),
    [({"status": 503}, RetryableConnectorError), ({"status": 429, "retry_after": 7}, ThrottledError)],
    ids=["503", "429"],
)
def test_an_unwell_avatax_is_retryable(avatax: SimulatorServer, fault: dict[str, Any], error: type[Exception]) -> None:
    httpx.post(f"{avatax.url}/_faults", json={"operation": "createTransaction", "fail_first": 1, **fault}, timeout=5)
    with pytest.raises(error) as raised:
        calculate(avatax.url, document())
    if isinstance(raised.value, ThrottledError):
        assert raised.value.retry_after == 7
    assert calculate(avatax.url, document()).total == Decimal("9.30")  # the fault is used up


def test_a_drifted_answer_is_api_drift_naming_the_field(avatax: SimulatorServer) -> None:
    drift = {"operation": "createTransaction", "rename_fields": {"lineNumber": "line_number"}}
    httpx.post(f"{avatax.url}/_faults", json=drift, timeout=5).raise_for_status()
    with pytest.raises(ApiDriftError) as raised:
        calculate(avatax.url, document())
    assert raised.value.problems[0] == "lines.0.lineNumber: missing"
    assert '"line_number": "1"' in raised.value.raw


def test_tax_a_channel_collected_is_sent_as_a_line_tax_override_and_kept(avatax: SimulatorServer) -> None:
    lines = (TaxLine(1, "YARN", 1, Decimal("100.00"), collected=Decimal("7.00")),)
    doc = TaxDocument("ord_9", DocumentKind.SALES_INVOICE, "ABC", "USD", date(2026, 12, 7), IRVINE, lines, commit=True)
    assert _model(doc, "DEFAULT")["lines"][0]["taxOverride"] == {
        "type": "TaxAmount",
        "taxAmount": 7.0,
        "reason": "Tax collected by the channel",
    }
    result = calculate(avatax.url, doc)
    assert (result.total, result.committed) == (Decimal("7.00"), True)  # not California's 7.75
