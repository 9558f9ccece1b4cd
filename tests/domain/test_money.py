"""Money: Decimal amounts in ISO 4217 currencies, never floats, rounded half-even per minor unit."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from overture.domain.money import CurrencyMismatch, Money, MoneyError, UnknownCurrency, is_currency, minor_units


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def test_addition_and_subtraction_are_exact() -> None:
    assert usd("0.10") + usd("0.20") == usd("0.30")
    assert usd("1.00") - usd("0.01") == usd("0.99")
    assert (usd("5") - usd("7")).amount == Decimal("-2")


def test_multiplication_by_quantity_and_decimal_factor() -> None:
    assert usd("9.99") * 3 == usd("29.97")
    assert usd("10") * Decimal("0.075") == usd("0.750")


def test_zero_is_the_identity_for_addition() -> None:
    assert Money.zero("EUR") + Money(Decimal("12.34"), "EUR") == Money(Decimal("12.34"), "EUR")
    assert Money.zero("JPY").amount == 0


def test_comparison_within_one_currency() -> None:
    assert usd("1.99") < usd("2.00")
    assert not usd("2.00") < usd("2.00")
    assert usd("3") > usd("2")  # Python reflects > onto __lt__


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a > b,
    ],
    ids=["add", "subtract", "less-than", "greater-than"],
)
def test_mixing_currencies_raises_currency_mismatch(operation: Callable[[Money, Money], object]) -> None:
    with pytest.raises(CurrencyMismatch, match=r"USD.*EUR|EUR.*USD"):
        operation(usd("1"), Money(Decimal("1"), "EUR"))


@pytest.mark.parametrize("code", ["XXX", "usd", "US", "", "EURO"])
def test_unknown_currency_is_refused(code: str) -> None:
    with pytest.raises(UnknownCurrency) as raised:
        Money(Decimal("1"), code)
    assert raised.value.code == code
    assert not is_currency(code)


def test_minor_units_of_unknown_currency_raise() -> None:
    with pytest.raises(UnknownCurrency):
        minor_units("ABC")


@pytest.mark.parametrize(("code", "units"), [("JPY", 0), ("KRW", 0), ("USD", 2), ("EUR", 2), ("BHD", 3), ("KWD", 3)])
def test_minor_units_per_currency(code: str, units: int) -> None:
    assert minor_units(code) == units


@pytest.mark.parametrize("amount", [0.1, 1.0, float("nan")])
def test_floats_are_refused(amount: float) -> None:
    with pytest.raises(MoneyError, match="float"):
        Money(amount, "USD")  # type: ignore[arg-type]


def test_multiplying_by_a_float_is_refused() -> None:
    with pytest.raises((MoneyError, TypeError)):
        usd("1.00") * 1.5  # type: ignore[operator]


@pytest.mark.parametrize("amount", ["abc", "1,00", "NaN", "Infinity", "-Infinity"])
def test_non_numeric_and_non_finite_amounts_are_refused(amount: str) -> None:
    with pytest.raises(MoneyError):
        Money(amount, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize(("amount", "expected"), [("12.5", Decimal("12.5")), (7, Decimal(7))])
def test_strings_and_ints_become_decimals(amount: str | int, expected: Decimal) -> None:
    money = Money(amount, "USD")  # type: ignore[arg-type]
    assert isinstance(money.amount, Decimal)
    assert money.amount == expected


@pytest.mark.parametrize(
    ("currency", "amount", "expected"),
    [
        ("JPY", "2.5", "2"),
        ("JPY", "3.5", "4"),
        ("JPY", "-2.5", "-2"),
        ("JPY", "2.51", "3"),
        ("USD", "0.125", "0.12"),
        ("USD", "0.135", "0.14"),
        ("USD", "0.1251", "0.13"),
        ("USD", "-0.125", "-0.12"),
        ("USD", "7", "7.00"),
        ("BHD", "1.0005", "1.000"),
        ("BHD", "1.0015", "1.002"),
        ("BHD", "0.12345", "0.123"),
    ],
)
def test_rounding_is_half_even_to_the_minor_unit(currency: str, amount: str, expected: str) -> None:
    rounded = Money(Decimal(amount), currency).rounded()
    assert rounded.amount == Decimal(expected)
    assert rounded.amount.as_tuple().exponent == -minor_units(currency)
    assert rounded.currency == currency


def test_string_form_shows_amount_and_currency() -> None:
    assert str(usd("9.99")) == "9.99 USD"
