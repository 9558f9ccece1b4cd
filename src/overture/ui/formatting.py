"""How the dashboard writes numbers and money: thousands separated, amounts with their currency.

Registered as Jinja filters by ui/routes/common.py: ``{{ n | thousands }}``, ``{{ amount | money(currency) }}``.
"""

from __future__ import annotations

from decimal import Decimal

# Currencies whose minor unit is not the cent (ISO 4217): the digits an amount is shown with.
_MINOR_DIGITS = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3}


def thousands(value: object) -> str:
    """1234567 -> "1,234,567"; 1234.5 -> "1,234.5"; anything not a number as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return "" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{_decimals(value)}f}"


def _decimals(value: float | Decimal) -> int:
    if isinstance(value, Decimal):
        exponent = value.normalize().as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0
    return 0 if float(value).is_integer() else 1


def money(amount: object, currency: str | None = None) -> str:
    """An amount in its currency's minor units, separated: ``1,234.50 USD``; "–" when there is none."""
    if amount is None or amount == "":
        return "–"
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    digits = _MINOR_DIGITS.get((currency or "").upper(), 2)
    text = f"{value:,.{digits}f}"
    return f"{text} {currency}" if currency else text
