"""How one trading partner's CSV order files are laid out: which of their columns holds what.

A partner's file has one row per order line; rows sharing a PO number form one order. The
profile maps each canonical field (``external_id``, ``sku``, ``ship_to.postal_code``, ...) to
the partner's column header, and says how their numbers and dates are written.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from datetime import datetime

# Fields that describe the whole order: every row of a PO repeats them (or leaves them empty).
ORDER_FIELDS = (
    "external_id",
    "currency",
    "order_date",
    "requested_date",
    "shipping",
    "customer.reference",
    "customer.name",
    "customer.email",
    "ship_to.name",
    "ship_to.line1",
    "ship_to.line2",
    "ship_to.city",
    "ship_to.region",
    "ship_to.postal_code",
    "ship_to.country",
)
LINE_FIELDS = ("sku", "quantity", "unit_price", "uom")
FIELDS = ORDER_FIELDS + LINE_FIELDS
# Each must come from a column or, where it may, from a default.
REQUIRED_FIELDS = ("external_id", "sku", "quantity", "unit_price", "ship_to.postal_code", "ship_to.country")
# A constant PO number, item, quantity or price for every row would be a mistake, never a setting.
NOT_DEFAULTABLE = ("external_id", "sku", "quantity", "unit_price")
DECIMAL_SEPARATORS = (".", ",")
_FORBIDDEN_DELIMITERS = ('"', "\r", "\n")
_PROBE = datetime(2024, 12, 31, 13, 45, 30)


@dataclass(frozen=True, slots=True)
class ProfileProblem:
    setting: str  # e.g. ``columns.ship_to.country`` or ``delimiter``
    reason: str


@dataclass(frozen=True, slots=True)
class CsvProfile:
    """One partner's CSV layout. ``columns``: canonical field -> their header; ``defaults``:
    canonical field -> value used when the column is not mapped or the cell is empty."""

    partner_id: str
    columns: dict[str, str]
    delimiter: str = ","
    decimal_separator: str = "."
    date_format: str = "%Y-%m-%d"
    all_or_nothing: bool = False
    defaults: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"

    def problems(self) -> list[ProfileProblem]:
        """Everything wrong with the profile (empty when it can read files)."""
        return [
            *self._column_problems(),
            *self._default_problems(),
            *_delimiter_problems(self.delimiter, self.decimal_separator),
            *_date_format_problems(self.date_format),
            *_encoding_problems(self.encoding),
        ]

    def _column_problems(self) -> list[ProfileProblem]:
        problems = [
            ProfileProblem(f"columns.{name}", f"unknown field; the fields are {', '.join(FIELDS)}")
            for name in self.columns
            if name not in FIELDS
        ]
        problems += [
            ProfileProblem(f"columns.{name}", "the column header is empty")
            for name, header in self.columns.items()
            if not header.strip()
        ]
        problems += [
            ProfileProblem(f"columns.{name}", "required: map it to a column" + _or_default(name))
            for name in REQUIRED_FIELDS
            if name not in self.columns and (name in NOT_DEFAULTABLE or name not in self.defaults)
        ]
        return problems

    def _default_problems(self) -> list[ProfileProblem]:
        return [
            ProfileProblem(f"defaults.{name}", _why_not_defaultable(name))
            for name in self.defaults
            if name not in FIELDS or name in NOT_DEFAULTABLE
        ]


def _or_default(name: str) -> str:
    return "" if name in NOT_DEFAULTABLE else " or give it a default"


def _why_not_defaultable(name: str) -> str:
    if name not in FIELDS:
        return f"unknown field; the fields are {', '.join(FIELDS)}"
    return "must come from a column: one value for every row cannot be right"


def _delimiter_problems(delimiter: str, decimal_separator: str) -> list[ProfileProblem]:
    problems = []
    if len(delimiter) != 1 or delimiter in _FORBIDDEN_DELIMITERS:
        problems.append(ProfileProblem("delimiter", "must be one character other than a quote or a line break"))
    if decimal_separator not in DECIMAL_SEPARATORS:
        problems.append(ProfileProblem("decimal_separator", "must be '.' or ','"))
    return problems


def _date_format_problems(date_format: str) -> list[ProfileProblem]:
    # A format that cannot read back the day it wrote (no day, or no year) would misread dates.
    try:
        readable = datetime.strptime(_PROBE.strftime(date_format), date_format).date() == _PROBE.date()
    except ValueError:
        readable = False
    if "%" in date_format and readable:
        return []
    return [ProfileProblem("date_format", "must be a strftime format naming year, month and day, like %m/%d/%Y")]


def _encoding_problems(encoding: str) -> list[ProfileProblem]:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return [ProfileProblem("encoding", f"unknown text encoding {encoding!r}")]
    return []
