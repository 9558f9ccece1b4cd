"""Reading one CSV cell as a canonical field: the checks, with the reason a person can act on.

Each parser takes the cell's text (already stripped; a profile default fills an empty cell) and
returns the value or raises ``BadValue`` with a stable code and a reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from overture.domain.commands import LineRequest
from overture.domain.csv_profiles import CsvProfile, ProfileProblem
from overture.domain.money import is_currency
from overture.domain.partners import PartnerProfile
from overture.services.errors import ErrorCode

CHANNEL = "csv"
EACH = "EA"  # the one unit every partner may use without a factor
MAX_QUANTITY = 1_000_000
MAX_TEXT = 255
MAX_SKU = 64
MAX_POSTAL_CODE = 16
MAX_WHOLE_DIGITS = 12
MAX_DECIMALS = 6  # what the store keeps of an amount
# The same plain shape check as the REST channel: the partner's address book is theirs to get right.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_WHOLE = re.compile(r"[+-]?\d+")

T = TypeVar("T")


class BadValue(Exception):
    def __init__(self, code: ErrorCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


Report = Callable[[str, BadValue], None]


class FieldReader:
    """Where each field sits in a row, with the profile and partner needed to read it."""

    def __init__(self, profile: CsvProfile, partner: PartnerProfile, columns: dict[str, int]) -> None:
        self.profile = profile
        self.partner = partner
        self._columns = columns

    def text(self, cells: tuple[str, ...], field_name: str) -> str:
        position = self._columns.get(field_name)
        text = cells[position].strip() if position is not None else ""
        return text or self.profile.defaults.get(field_name, "").strip()

    def column_of(self, field_name: str) -> str:
        """The partner's header for the field, or where its default is set."""
        return self.profile.columns.get(field_name) or f"defaults.{field_name}"


def parse_field(field_name: str, text: str, reader: FieldReader) -> object:
    """The order field's value (str, Decimal or an ISO date string), or BadValue."""
    parse = _ORDER_PARSERS.get(field_name)
    if parse is None:
        return _text(text, MAX_TEXT)
    return parse(text, reader)


def parse_line(cells: tuple[str, ...], reader: FieldReader, report: Report) -> LineRequest | None:
    """The row's order line in our SKU and units, or None (each problem reported)."""

    def read(field_name: str, parse: Callable[[str], T], *, required: bool = True) -> T | None:
        text = reader.text(cells, field_name)
        if not text:
            if required:
                report(field_name, BadValue(ErrorCode.REQUIRED, "empty"))
            return None
        try:
            return parse(text)
        except BadValue as bad:
            report(field_name, bad)
            return None

    sku = read("sku", lambda text: _sku(text, reader.partner))
    quantity = read("quantity", _quantity)
    price = read("unit_price", lambda text: _amount(text, reader.profile.decimal_separator))
    factor = read("uom", lambda text: _factor(text, reader.partner), required=False) or 1
    if sku is None or quantity is None or price is None:
        return None
    # The partner prices their unit (a case of 12); we keep the price of one of ours.
    unit_price = price if factor == 1 else (price / factor).quantize(Decimal(1).scaleb(-MAX_DECIMALS))
    return LineRequest(sku, quantity * factor, unit_price)


def default_problems(profile: CsvProfile, partner: PartnerProfile) -> list[ProfileProblem]:
    """Defaults that no row could use (a bad country, an unknown unit), found before any file comes."""
    reader = FieldReader(profile, partner, {})
    problems = []
    for field_name, text in profile.defaults.items():
        try:
            if field_name == "uom":
                _factor(text.strip(), partner)
            else:
                parse_field(field_name, text.strip(), reader)
        except BadValue as bad:
            problems.append(ProfileProblem(f"defaults.{field_name}", bad.reason))
    return problems


# ---- the parsers --------------------------------------------------------------------------------


def _text(text: str, limit: int) -> str:
    if len(text) > limit:
        raise BadValue(ErrorCode.INVALID_LENGTH, f"{len(text)} characters; at most {limit}")
    return text


def _po_number(text: str, reader: FieldReader) -> str:
    # The order's external id is "<partner>:<po>", and the store keeps 255 characters of it.
    return _text(text, MAX_TEXT - len(reader.partner.partner_id) - 1)


def _currency(text: str, _: FieldReader) -> str:
    code = text.upper()
    if not is_currency(code):
        raise BadValue(ErrorCode.UNKNOWN_CURRENCY, f"{text!r} is not an active ISO 4217 currency code")
    return code


def _country(text: str, _: FieldReader) -> str:
    code = text.upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise BadValue(ErrorCode.INVALID_COUNTRY, f"{text!r} is not an ISO 3166-1 alpha-2 country code, like US")
    return code


def _email(text: str, _: FieldReader) -> str:
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise BadValue(ErrorCode.INVALID_VALUE, f"{text!r} is not an e-mail address")
    return text


def _date(text: str, reader: FieldReader) -> str:
    date_format = reader.profile.date_format
    try:
        return datetime.strptime(text, date_format).date().isoformat()
    except ValueError:
        raise BadValue(ErrorCode.WRONG_TYPE, f"{text!r} is not a date written {date_format}") from None


def _shipping(text: str, reader: FieldReader) -> Decimal:
    return _amount(text, reader.profile.decimal_separator)


_ORDER_PARSERS: dict[str, Callable[[str, FieldReader], object]] = {
    "external_id": _po_number,
    "currency": _currency,
    "order_date": _date,
    "requested_date": _date,
    "shipping": _shipping,
    "customer.email": _email,
    "ship_to.postal_code": lambda text, _: _text(text, MAX_POSTAL_CODE),
    "ship_to.country": _country,
}


def _sku(text: str, partner: PartnerProfile) -> str:
    return _text(partner.sku_xref.get(text, text), MAX_SKU)


def _quantity(text: str) -> int:
    if not _WHOLE.fullmatch(text):
        raise BadValue(ErrorCode.WRONG_TYPE, f"{text!r} is not a whole number")
    quantity = int(text)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise BadValue(ErrorCode.OUT_OF_RANGE, f"{quantity} is not between 1 and {MAX_QUANTITY:,}")
    return quantity


def _amount(text: str, separator: str) -> Decimal:
    match = re.fullmatch(r"([+-]?)(\d+)(?:" + re.escape(separator) + r"(\d+))?", text)
    if match is None:
        raise BadValue(ErrorCode.WRONG_TYPE, f"{text!r} is not an amount written like 12{separator}50")
    sign, whole, decimals = match.group(1), match.group(2), match.group(3) or ""
    if sign == "-" and (whole + decimals).strip("0"):
        raise BadValue(ErrorCode.OUT_OF_RANGE, f"{text} is negative")
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS or len(decimals) > MAX_DECIMALS:
        reason = f"{text} has more than {MAX_WHOLE_DIGITS} digits before or {MAX_DECIMALS} after the separator"
        raise BadValue(ErrorCode.OUT_OF_RANGE, reason)
    return Decimal(f"{whole}.{decimals}" if decimals else whole)


def _factor(text: str, partner: PartnerProfile) -> int:
    unit = text.upper()
    factors = {name.upper(): factor for name, factor in partner.uom_factors.items()}
    if unit in factors:
        return factors[unit]
    if unit == EACH:
        return 1
    known = ", ".join(sorted({EACH, *factors}))
    raise BadValue(ErrorCode.INVALID_VALUE, f"unknown unit {text!r}; this partner's units are {known}")
