"""Money: amounts in a currency (amount.py), the append-only ledger of what each order line owes and
has paid (ledger.py), how order-level amounts are shared out among lines (allocation.py) and the
balances derived from the entries (balances.py)."""

from overture.domain.money.amount import (
    CurrencyMismatch,
    Money,
    MoneyError,
    UnknownCurrency,
    from_minor,
    is_currency,
    minor_units,
    to_decimal,
    to_minor,
)

__all__ = [
    "CurrencyMismatch",
    "Money",
    "MoneyError",
    "UnknownCurrency",
    "from_minor",
    "is_currency",
    "minor_units",
    "to_decimal",
    "to_minor",
]
