"""A trading partner's address book: its stores, DCs and parties, known by the ids its documents use.

Buyers name a ship-to by number rather than by address: ``N1*ST*STORE 42*92*0042`` (X12: qualifier
92, assigned by the buyer) or ``NAD+DP+5412345000013::9`` (EDIFACT: code list agency 9, a GS1 GLN).
The same party may come as a GLN in one standard and a DUNS in the other, so ids are kept by
*scheme*, not by the standard's qualifier:

    scheme   X12 N103 / N1 qualifier     EDIFACT C082 3055 (agency)
    gln      UL                          9
    duns     1                           16
    duns4    9                           (none)
    buyer    92                          92
    seller   91                          91
    other    x12:<code> / edifact:<code>, kept apart

An entry may also stand for one of our own locations (``location_id``): a DC of ours the buyer
names as the ship-from, or a warehouse a 3PL partner knows by its own number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from overture.domain.digits import is_digits

X12_SCHEMES = {"UL": "gln", "1": "duns", "9": "duns4", "92": "buyer", "91": "seller"}
EDIFACT_SCHEMES = {"9": "gln", "16": "duns", "92": "buyer", "91": "seller"}
SCHEMES = frozenset({"gln", "duns", "duns4", "buyer", "seller"})


@dataclass(frozen=True, slots=True)
class PartyId:
    scheme: str
    code: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.code}"


def x12_party(qualifier: str, code: str) -> PartyId:
    """The id an X12 N103/N104 pair names."""
    q = qualifier.strip().upper()
    return PartyId(X12_SCHEMES.get(q, f"x12:{q}"), code.strip())


def edifact_party(agency: str, code: str) -> PartyId:
    """The id an EDIFACT C082 (party id, code list qualifier, responsible agency) names.

    Without an agency, a 13-digit number is taken as a GLN: that is what partners send there."""
    a = agency.strip()
    if not a and len(code) == 13 and is_digits(code):
        return PartyId("gln", code)
    return PartyId(EDIFACT_SCHEMES.get(a, f"edifact:{a}"), code.strip())


def parse_scheme(text: str) -> str:
    """A scheme as written in a CSV or the API: a scheme name, or a standard's qualifier."""
    value = text.strip()
    if value.lower() in SCHEMES:
        return value.lower()
    if value.lower().startswith(("x12:", "edifact:")):
        standard, _, code = value.partition(":")
        table = X12_SCHEMES if standard.lower() == "x12" else EDIFACT_SCHEMES
        return table.get(code.upper(), f"{standard.lower()}:{code.upper()}")
    if value.upper() in X12_SCHEMES:
        return X12_SCHEMES[value.upper()]
    raise ValueError(f"{text!r} is not a scheme: use gln, duns, duns4, buyer, seller, x12:<code> or edifact:<code>")


@dataclass(frozen=True, slots=True)
class PartnerAddress:
    """One entry of a partner's address book."""

    partner_id: str
    party: PartyId
    name: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    location_id: str = ""  # one of our locations, when the party is ours

    def fill(self, given: dict[str, str]) -> dict[str, str]:
        """A document's party completed from the book: what the document says wins, the book fills gaps."""
        known = {
            "name": self.name,
            "line1": self.line1,
            "line2": self.line2,
            "city": self.city,
            "region": self.region,
            "postal_code": self.postal_code,
            "country": self.country,
        }
        if given.get("postal_code"):
            return {**{k: v for k, v in known.items() if v}, **{k: v for k, v in given.items() if v}}
        # No postal code in the document: its address is the book's, whole (a name alone stays).
        return {**given, **{k: v for k, v in known.items() if v}, "name": given.get("name") or self.name}


AddressLookup = Callable[[PartyId], PartnerAddress | None]  # a partner's book, as a translator reads it
