"""Rules on where the order goes and what it holds: embargoes and the address's ZIP and state."""

from __future__ import annotations

from typing import Any

from overture.domain.rules.model import AddressFacts, Finding, OrderFacts, RuleSettings

# Countries whose addresses use US ZIP codes (USPS serves the territories too).
ZIP_COUNTRIES = frozenset({"US", "PR", "VI", "GU", "AS", "MP"})

# USPS state, district, territory and military codes with their names, so "New York" and "NY"
# both name New York.
US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana",
    "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri",
    "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio",
    "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "VI": "Virgin Islands", "GU": "Guam", "AS": "American Samoa",
    "MP": "Northern Mariana Islands", "FM": "Federated States of Micronesia", "MH": "Marshall Islands",
    "PW": "Palau", "AA": "Armed Forces Americas", "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific",
}  # fmt: skip
_BY_NAME = {name.upper(): code for code, name in US_STATES.items()}


def state_code(region: str) -> str | None:
    """The USPS code a region names ("ny", "New York" -> "NY"); None if it names no state."""
    text = " ".join(region.replace(".", " ").split()).upper()
    if text in US_STATES:
        return text
    return _BY_NAME.get(text)


# ---- embargo -------------------------------------------------------------------------------


def embargo(facts: OrderFacts, settings: RuleSettings) -> Finding | None:
    """No embargoed product (``skus``) and no embargoed destination (``countries``)."""
    skus = sorted({line.sku for line in facts.lines if line.sku in settings.skus})
    country = facts.ship_to.country if facts.ship_to.country in settings.countries else None
    if not skus and country is None:
        return None
    parts = ([f"embargoed product{'s' if len(skus) > 1 else ''} {', '.join(skus)}"] if skus else []) + (
        [f"destination {country} is embargoed"] if country else []
    )
    return Finding("; ".join(parts), {"skus": skus, "country": country})


def embargo_inputs(facts: OrderFacts, settings: RuleSettings) -> dict[str, Any]:
    return {
        "skus": sorted({line.sku for line in facts.lines}),
        "country": facts.ship_to.country,
        "embargoed_skus": sorted(settings.skus),
        "embargoed_countries": sorted(settings.countries),
    }


# ---- address_mismatch ----------------------------------------------------------------------


def _address_problem(a: AddressFacts) -> str | None:
    if a.postal_state is None:
        return f"unknown ZIP code {a.postal_code!r}"
    if a.country != "US" and a.postal_state != a.country:
        return f"ZIP code {a.postal_code} is in {a.postal_state}, not in {a.country}"
    if not a.region.strip():
        return None
    stated = state_code(a.region)
    if stated is None:
        return f"region {a.region!r} is not a US state or territory"
    if stated != a.postal_state:
        return f"ZIP code {a.postal_code} is in {a.postal_state}, but the address says {stated}"
    return None


def address_mismatch(facts: OrderFacts, _: RuleSettings) -> Finding | None:
    """A US ship-to's ZIP code must exist and lie in the state the address names.

    Addresses outside the ZIP system are not judged here: there is no reference for them yet.
    """
    a = facts.ship_to
    if a.country not in ZIP_COUNTRIES:
        return None
    problem = _address_problem(a)
    if problem is None:
        return None
    return Finding(problem, {"postal_code": a.postal_code, "region": a.region, "postal_state": a.postal_state})


def address_inputs(facts: OrderFacts, _: RuleSettings) -> dict[str, Any]:
    a = facts.ship_to
    return {"country": a.country, "postal_code": a.postal_code, "region": a.region, "postal_state": a.postal_state}
