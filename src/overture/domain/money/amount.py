"""Money: a Decimal amount in an ISO 4217 currency.

Amounts are never floats. Two amounts in different currencies cannot be added or
compared; doing so is a programming error (``CurrencyMismatch``), not a rounding issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# Active ISO 4217 codes and their minor units (number of decimal places).
_TWO_DECIMALS = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN
BWP BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD
FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR
KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN
MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD
SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD
TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWG
"""
_NO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_TWO_DECIMALS.split(), 2),
    **dict.fromkeys(_NO_DECIMALS.split(), 0),
    **dict.fromkeys(_THREE_DECIMALS.split(), 3),
    "CLF": 4,
    "UYW": 4,
}


class MoneyError(ValueError):
    """Base of money errors."""


class UnknownCurrency(MoneyError):
    def __init__(self, code: str) -> None:
        super().__init__(f"{code!r} is not an active ISO 4217 currency code")
        self.code = code


class CurrencyMismatch(MoneyError):
    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine {left} with {right}")


def is_currency(code: str) -> bool:
    return code in _MINOR_UNITS


def minor_units(currency: str) -> int:
    try:
        return _MINOR_UNITS[currency]
    except KeyError:
        raise UnknownCurrency(currency) from None


def to_decimal(value: object) -> Decimal:
    """Convert a str/int/Decimal to Decimal, refusing floats (they carry binary error)."""
    if isinstance(value, float):
        raise MoneyError("money amounts must not be floats; pass a string or Decimal")
    try:
        result = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise MoneyError(f"{value!r} is not a decimal number") from None
    if not result.is_finite():
        raise MoneyError(f"{value!r} is not a finite amount")
    return result


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in _MINOR_UNITS:
            raise UnknownCurrency(self.currency)
        object.__setattr__(self, "amount", to_decimal(self.amount))

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _check(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        return Money(self.amount * factor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount < other.amount

    def rounded(self) -> Money:
        """Round half-even to the currency's minor unit (for totals, not unit prices)."""
        exponent = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(self.amount.quantize(exponent, rounding=ROUND_HALF_EVEN), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def to_minor(amount: Decimal, currency: str) -> int:
    """An amount as a whole number of the currency's minor units; refuses what a minor unit cannot hold
    (a third decimal on a dollar amount is a mistake upstream, not something to round away here)."""
    scaled = to_decimal(amount).scaleb(minor_units(currency))
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{amount} {currency} has more decimals than the currency's {minor_units(currency)}")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """Whole minor units back to the amount, with exactly the currency's decimals (1999 USD -> 19.99)."""
    places = minor_units(currency)
    return Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))
