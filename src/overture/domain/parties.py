"""Who orders and where it goes: addresses, customers, trading partners."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Address:
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    name: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""

    def __post_init__(self) -> None:
        if len(self.country) != 2 or not self.country.isalpha() or not self.country.isupper():
            raise ValueError(f"country {self.country!r} must be an ISO 3166-1 alpha-2 code")
        if not self.postal_code.strip():
            raise ValueError("postal_code must not be empty")

    @property
    def postal_key(self) -> str:
        """Postal code normalised for look-ups (US ZIP+4 reduced to the 5-digit ZIP)."""
        code = self.postal_code.strip().upper()
        if self.country == "US":
            return code.split("-")[0][:5]
        return code.replace(" ", "")


@dataclass(frozen=True, slots=True)
class Customer:
    reference: str
    name: str = ""
    email: str = ""
    partner_id: str | None = None  # set when the customer is a trading partner


@dataclass(frozen=True, slots=True)
class TradingPartner:
    """A business customer or supplier exchanging documents with us (EDI, portal, CSV)."""

    id: str
    name: str
    channels: frozenset[str] = field(default_factory=frozenset)
