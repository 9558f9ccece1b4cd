"""Sales tax from Avalara AvaTax's REST API v2 (https://developer.avalara.com/api-reference/avatax/rest/v2/).

Wire format (JSON; HTTP Basic auth with the account id and licence key; every call names us in
``X-Avalara-Client``)::

    POST /api/v2/transactions/create                 CreateTransactionModel -> TransactionModel
         (a SalesOrder: priced, not kept)
    POST /api/v2/transactions/createoradjust         {"createTransactionModel": CreateTransactionModel}
         (a committed SalesInvoice or ReturnInvoice: created once per code, adjusted if asked again)
         CreateTransactionModel = {"type", "code", "companyCode", "date", "customerCode", "currencyCode",
             "addresses": {"singleLocation"} | {"shipFrom", "shipTo"},
             "lines": [{"number", "quantity", "amount", "itemCode", "taxCode"}], "commit"}
         TransactionModel = {"id", "code", "status", "totalTax", "lines": [{"lineNumber", "tax",
             "details": [{"jurisName", "rate", "tax"}]}]}
    errors -> {"error": {"code", "message", "target", "details": [{"code", "message", "description",
               "refersTo", "severity"}]}}

AvaTax writes amounts as JSON numbers: they are sent from ``Decimal`` (two decimals at most, which a
double holds exactly enough to print back the same digits) and read back through ``str`` into
``Decimal``, then rounded to the currency's minor unit. Idempotency: a committed document is sent to
``createoradjust`` under our code (the order or return id), so a retried step adjusts the same
transaction to the same content instead of reporting the sale twice; an estimate is not kept at all.
"""

from __future__ import annotations

import base64
import platform
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import httpx
from pydantic import Field

from overture.connectors.contracts import Contract
from overture.connectors.http import ConnectorConfig, HttpConnector
from overture.domain.money.amount import minor_units
from overture.services.ports.connector_errors import ApiDriftError, ConnectorError, PermanentConnectorError
from overture.services.ports.tax import LineTax, TaxAddress, TaxDocument, TaxResult

CREATE = "/api/v2/transactions/create"
CREATE_OR_ADJUST = "/api/v2/transactions/createoradjust"


class _Detail(Contract):
    juris_name: str = Field("", alias="jurisName")
    rate: float | int = 0


class _Line(Contract):
    line_number: str = Field(alias="lineNumber")
    tax: float | int
    details: list[_Detail] = Field(default_factory=list)


class _Transaction(Contract):
    code: str
    status: str = ""
    total_tax: float | int = Field(alias="totalTax")
    lines: list[_Line]


class AvaTaxConnector(HttpConnector):
    """One AvaTax company's transactions."""

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        account_id: str,
        license_key: str,
        company_code: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        basic = base64.b64encode(f"{account_id}:{license_key}".encode()).decode("ascii")
        client = f"Overture; 1.0; overture-connector; 1.0; {platform.node() or 'hub'}"
        super().__init__(
            config, transport=transport, headers={"Authorization": f"Basic {basic}", "X-Avalara-Client": client}
        )
        self.company_code = company_code

    async def calculate(self, document: TaxDocument) -> TaxResult:
        model = _model(document, self.company_code)
        op = "createTransaction" if not document.commit else "createOrAdjustTransaction"
        try:
            if document.commit:
                answer = await self._read(
                    _Transaction, "POST", CREATE_OR_ADJUST, json={"createTransactionModel": model}, operation=op
                )
            else:
                answer = await self._read(_Transaction, "POST", CREATE, json=model, operation=op)
        except ApiDriftError:
            raise
        except PermanentConnectorError as error:
            raise _explained(error) from None
        return _result(answer, document, self.name)


def _model(document: TaxDocument, company_code: str) -> dict[str, Any]:
    addresses: dict[str, Any] = (
        {"shipFrom": _address(document.ship_from), "shipTo": _address(document.ship_to)}
        if document.ship_from is not None
        else {"singleLocation": _address(document.ship_to)}
    )
    model: dict[str, Any] = {
        "type": document.kind.value,
        "code": document.code,
        "companyCode": company_code,
        "date": document.day.isoformat(),
        "customerCode": document.customer_code,
        "currencyCode": document.currency,
        "addresses": addresses,
        "lines": [
            {
                "number": str(x.number),
                "quantity": x.quantity,
                "amount": float(x.amount),
                "itemCode": x.sku,
                **({"taxCode": x.tax_code} if x.tax_code else {}),
                **(_collected(x.collected) if x.collected is not None else {}),
            }
            for x in document.lines
        ],
        "commit": document.commit,
    }
    return model


def _collected(amount: Decimal) -> dict[str, Any]:
    """The tax the channel charged, recorded as it is (AvaTax's line-level taxOverride of type TaxAmount)."""
    return {"taxOverride": {"type": "TaxAmount", "taxAmount": float(amount), "reason": "Tax collected by the channel"}}


def _address(address: TaxAddress) -> dict[str, str]:
    found = {
        "line1": address.line1,
        "city": address.city,
        "region": address.region,
        "postalCode": address.postal_code,
        "country": address.country,
    }
    return {k: v for k, v in found.items() if v}


def _result(answer: _Transaction, document: TaxDocument, engine: str) -> TaxResult:
    places = Decimal(1).scaleb(-minor_units(document.currency))
    ours = {str(x.number) for x in document.lines}
    lines = []
    for line in answer.lines:
        if line.line_number not in ours:
            continue  # AvaTax may add lines of its own (a shipping line we did not send never comes back)
        rate = sum((Decimal(str(d.rate)) for d in line.details), Decimal(0))
        tax = Decimal(str(line.tax)).quantize(places, rounding=ROUND_HALF_EVEN)
        names = tuple(d.juris_name for d in line.details if d.juris_name)
        lines.append(LineTax(int(line.line_number), tax, rate, names))
    return TaxResult(answer.code, engine, tuple(lines), committed=answer.status == "Committed")


def _explained(error: ConnectorError) -> PermanentConnectorError:
    """AvaTax's error code and message, e.g. ``GetTaxError: Address is incomplete`` (the body excerpt)."""
    return PermanentConnectorError(
        f"AvaTax refused the transaction: {error.message}",
        connector=error.connector,
        operation=error.operation,
        status=error.status,
    )
