"""Trading partners: who they are on the EDI network and how their documents map to ours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


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
    # Strict partners have a segment outside the standard's table (or out of its place) refused;
    # tolerant ones (the default) have it noted as a warning and the document read.
    strict: bool = False
    sends: tuple[str, ...] = ()  # the documents the partner sends us (850, 860, 945, ORDERS...); empty: not said
    ack_window_hours: int = 24  # how long our documents may wait for the partner's 997/999 before they are overdue

    @property
    def expects(self) -> tuple[str, ...]:
        """The documents we send this partner, besides the functional acknowledgement every file gets."""
        wanted = (("855", self.wants_855), ("856", self.wants_856), ("810", self.wants_810))
        return tuple(code for code, wants in wanted if wants)

    def our_sku(self, their_ids: dict[str, str]) -> str | None:
        for value in their_ids.values():
            if value in self.sku_xref:
                return self.sku_xref[value]
        return None

    def their_id(self, sku: str) -> str:
        """The partner's product id for one of our SKUs (for documents we send them), else our SKU."""
        return next((theirs for theirs, ours in self.sku_xref.items() if ours == sku), sku)


def profile_document(profile: PartnerProfile) -> dict[str, Any]:
    """The profile as a JSON-ready document (stored, and shown by the API) without its id and name."""
    return {
        "x12": None
        if profile.x12 is None
        else {
            "qualifier": profile.x12.qualifier,
            "id": profile.x12.id,
            "application_code": profile.x12.application_code,
        },
        "x12_version": profile.x12_version,
        "delimiters": list(profile.delimiters),
        "sku_xref": profile.sku_xref,
        "uom_factors": profile.uom_factors,
        "contract_prices": {sku: str(price) for sku, price in profile.contract_prices.items()},
        "currency": profile.currency,
        "wants_855": profile.wants_855,
        "wants_856": profile.wants_856,
        "wants_810": profile.wants_810,
        "strict": profile.strict,
        "sends": list(profile.sends),
        "ack_window_hours": profile.ack_window_hours,
    }


def profile_from_document(partner_id: str, name: str, data: Mapping[str, Any]) -> PartnerProfile:
    """``profile_document`` read back; fields it lacks take their defaults."""
    x12 = data.get("x12")
    element, component, segment = data.get("delimiters") or ("*", ">", "~")
    return PartnerProfile(
        partner_id=partner_id,
        name=name,
        x12=None if not x12 else X12Identity(x12["qualifier"], x12["id"], x12.get("application_code", "")),
        x12_version=data.get("x12_version", "004010"),
        delimiters=(element, component, segment),
        sku_xref=dict(data.get("sku_xref", {})),
        uom_factors={k: int(v) for k, v in data.get("uom_factors", {}).items()},
        contract_prices={k: Decimal(v) for k, v in data.get("contract_prices", {}).items()},
        currency=data.get("currency", "USD"),
        wants_855=bool(data.get("wants_855", True)),
        wants_856=bool(data.get("wants_856", True)),
        wants_810=bool(data.get("wants_810", True)),
        strict=bool(data.get("strict", False)),
        sends=tuple(data.get("sends", ())),
        ack_window_hours=int(data.get("ack_window_hours", 24)),
    )
