"""Trading partners: who they are on the EDI network and how their documents map to ours."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class X12Identity:
    """A party on the X12 network: ISA qualifier and id, and the GS application code if it differs."""

    qualifier: str  # ISA05/07, e.g. ZZ (mutually defined), 01 (DUNS), 12 (phone)
    id: str
    application_code: str = ""


@dataclass(frozen=True, slots=True)
class PartnerProfile:
    """One trading partner: identity, the X12 they speak, and their part numbers, units and prices."""

    partner_id: str
    name: str = ""
    x12: X12Identity | None = None
    x12_version: str = "004010"  # GS08 we send them
    delimiters: tuple[str, str, str] = ("*", ">", "~")  # element, component, segment terminator we send
    sku_xref: dict[str, str] = field(default_factory=dict)  # their product id -> our SKU
    uom_factors: dict[str, int] = field(default_factory=dict)  # their unit (e.g. CA) -> our units per it
    contract_prices: dict[str, Decimal] = field(default_factory=dict)  # our SKU -> agreed unit price
    currency: str = "USD"
    wants_855: bool = True
    wants_856: bool = True
    wants_810: bool = True

    def our_sku(self, their_ids: dict[str, str]) -> str | None:
        for value in their_ids.values():
            if value in self.sku_xref:
                return self.sku_xref[value]
        return None

    def their_id(self, sku: str) -> str:
        """The partner's product id for one of our SKUs (for documents we send them), else our SKU."""
        return next((theirs for theirs, ours in self.sku_xref.items() if ours == sku), sku)
