"""The tax engine: what an order's lines owe in sales tax or VAT where they are shipped, as AvaTax-style
engines compute it (services/tax.py asks; connectors/avatax.py or the built-in rate table answers).

A document is priced once per kind: a ``SalesOrder`` when the order is captured (an estimate the
engine does not keep), a ``SalesInvoice`` committed when it is invoiced (what is reported to the
authorities), a ``ReturnInvoice`` committed for what a return refunds. Amounts are ``Decimal`` in the
order's currency; a line's ``amount`` is its goods after discounts (price x quantity), and its
``tax`` comes back per line, with the rate and the jurisdictions that make it up, so the money ledger
keeps tax per line. Implementations raise the errors of services/ports/connector_errors.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

# The code of a tax charge the engine added (``tax:<engine>``), as opposed to one the channel sent.
CODE_PREFIX = "tax:"
# The reference an order priced by the engine carries (system, kind): its value names who priced it.
PRICED_BY = ("tax", "priced_by")


class DocumentKind(StrEnum):
    SALES_ORDER = "SalesOrder"  # an estimate, not kept by the engine
    SALES_INVOICE = "SalesInvoice"  # committed: reported
    RETURN_INVOICE = "ReturnInvoice"  # committed: tax given back for a return


@dataclass(frozen=True, slots=True)
class TaxAddress:
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    region: str = ""  # the state or province code
    city: str = ""
    line1: str = ""


@dataclass(frozen=True, slots=True)
class TaxLine:
    number: int  # our line number
    sku: str
    quantity: int
    amount: Decimal  # the line's goods after discounts; negative on a ReturnInvoice
    tax_code: str = ""  # the engine's product tax code (e.g. AvaTax's P0000000); "" for the default
    # The tax already collected for the line (a storefront or marketplace charged it): the engine records
    # it as it is (AvaTax's taxOverride TaxAmount) instead of computing its own. None: the engine computes.
    collected: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TaxDocument:
    code: str  # ours and unique per kind: the order id, or the return id
    kind: DocumentKind
    customer_code: str
    currency: str
    day: date
    ship_to: TaxAddress
    lines: tuple[TaxLine, ...]
    ship_from: TaxAddress | None = None  # None: taxed where it is shipped to (single location)
    commit: bool = False


@dataclass(frozen=True, slots=True)
class LineTax:
    number: int
    tax: Decimal  # in the currency's minor units' precision
    rate: Decimal  # the combined rate applied, e.g. 0.0775
    jurisdictions: tuple[str, ...] = ()  # e.g. ("CALIFORNIA", "ORANGE")


@dataclass(frozen=True, slots=True)
class TaxResult:
    code: str
    engine: str  # who computed it: "avatax", "rate_table"
    lines: tuple[LineTax, ...]
    committed: bool = False

    @property
    def total(self) -> Decimal:
        return sum((line.tax for line in self.lines), Decimal(0))

    def of_line(self, number: int) -> LineTax | None:
        return next((line for line in self.lines if line.number == number), None)


class TaxEngine(Protocol):
    @property
    def name(self) -> str:
        """Who computes: it names the tax charges (``tax:<name>``) and the notes."""
        ...

    async def calculate(self, document: TaxDocument) -> TaxResult:
        """Price ``document``; committed documents are kept once per code and kind, however often asked."""
        ...
