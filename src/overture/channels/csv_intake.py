"""CSV order files (a B2B portal's export, a partner's spreadsheet), read with the partner's profile.

One row per order line; rows sharing a PO number form one order. Every row is checked on its
own and against the other rows of its PO, and every problem is reported with its row number
(the header is row 1; a quoted value spanning lines is still one row, as a spreadsheet shows
it), the partner's column header and the reason. An order with a bad row is not built at all:
half a purchase order is not what the partner asked for.

A free-text value that a spreadsheet would run as a formula (``=cmd|' /C calc'!A0`` as a PO
number) is taken as text but flagged with a ``formula_like`` warning naming its row and column
(``channels.csv_safety``): exports neutralise it, and the partner's sender should hear of it.

Pure: ``read_orders`` turns the file's bytes into orders and row errors; ``order_rows_csv``
writes one order's rows back as a small CSV, kept as that order's raw message.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from overture.channels.csv_fields import CHANNEL, BadValue, FieldReader, parse_field, parse_line
from overture.channels.csv_safety import looks_like_formula
from overture.domain.commands import Charge, ChargeKind, LineRequest, PlaceOrder, Reference
from overture.domain.csv_profiles import FIELDS, ORDER_FIELDS, REQUIRED_FIELDS, CsvProfile
from overture.domain.parties import Address, Customer
from overture.domain.partners import PartnerProfile
from overture.services.errors import ErrorCode, FieldError

__all__ = ["CHANNEL", "CsvFile", "CsvOrder", "RowError", "order_rows_csv", "read_orders"]

HEADER_ROW = 1
_REQUIRED_ORDER_FIELDS = tuple(f for f in REQUIRED_FIELDS if f in ORDER_FIELDS and f != "external_id")
# The fields kept as the partner wrote them, so exported as written. Codes, dates and amounts are
# parsed strictly (a formula there is already a row error), and a negative amount is a number.
_PARSED_FIELDS = ("currency", "order_date", "requested_date", "shipping", "ship_to.country", "quantity", "unit_price")
TEXT_FIELDS = tuple(name for name in FIELDS if name not in _PARSED_FIELDS)


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # 1-based; the header is row 1
    column: str  # the partner's header, ``defaults.<field>`` for a bad default, "" for the whole row
    code: ErrorCode
    reason: str

    def as_field_error(self) -> FieldError:
        return FieldError(f"row {self.row}" + (f": {self.column}" if self.column else ""), self.code, self.reason)


@dataclass(frozen=True, slots=True)
class CsvOrder:
    po_number: str  # "" gathers the rows that carry no PO number
    rows: tuple[int, ...]
    records: tuple[tuple[str, ...], ...]  # the rows as read, for the order's own raw message
    command: PlaceOrder | None  # None when a row is bad
    errors: tuple[RowError, ...]
    warnings: tuple[RowError, ...] = ()  # taken, but worth a person's look (formula_like)


@dataclass(frozen=True, slots=True)
class CsvFile:
    header: tuple[str, ...]
    orders: tuple[CsvOrder, ...]
    file_errors: tuple[RowError, ...]  # the file itself cannot be read: nothing in it can be imported
    row_count: int  # rows below the header, blank ones left out

    @property
    def errors(self) -> list[RowError]:
        """Every problem in the file, in row order."""
        found = [*self.file_errors, *(e for order in self.orders for e in order.errors)]
        return sorted(found, key=lambda e: (e.row, e.column))

    @property
    def warnings(self) -> list[RowError]:
        return sorted((w for order in self.orders for w in order.warnings), key=lambda e: (e.row, e.column))


class _Record(NamedTuple):
    number: int
    cells: tuple[str, ...]


class _Unreadable(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(error.reason)
        self.error = error


@dataclass(slots=True)
class _Row:
    record: _Record
    po_number: str
    values: dict[str, object]  # order field -> parsed value, for the fields this row fills
    bad_fields: set[str]  # fields this row gives a value for that cannot be read
    line: LineRequest | None
    errors: list[RowError]
    warnings: list[RowError]


def read_orders(body: bytes, profile: CsvProfile, partner: PartnerProfile) -> CsvFile:
    """The file's orders, each built or with its row errors; file errors when it cannot be read."""
    try:
        header, records = _records(body, profile)
    except _Unreadable as unreadable:
        return CsvFile((), (), (unreadable.error,), 0)
    columns = _column_index(header, profile)
    if isinstance(columns, list):
        return CsvFile(header, (), tuple(columns), len(records))
    if not records:
        empty = RowError(HEADER_ROW + 1, "", ErrorCode.REQUIRED, "the file has no rows below the header")
        return CsvFile(header, (), (empty,), 0)
    reader = FieldReader(profile, partner, columns)
    rows = [_read_row(record, header, reader) for record in records]
    orders = tuple(_order(po_number, group, reader) for po_number, group in _by_po_number(rows).items())
    return CsvFile(header, orders, (), len(records))


def order_rows_csv(csv_file: CsvFile, order: CsvOrder, profile: CsvProfile) -> bytes:
    """The header and this order's rows, as the partner's own dialect (its raw message)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=profile.delimiter, lineterminator="\r\n")
    writer.writerow(csv_file.header)
    writer.writerows(order.records)
    return out.getvalue().encode()


# ---- the file: text, records, header -----------------------------------------------------------


def _records(body: bytes, profile: CsvProfile) -> tuple[tuple[str, ...], list[_Record]]:
    text = _text(body, profile.encoding)
    # newline="" lets the csv module see CR, LF and CRLF itself, including inside quoted values.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=profile.delimiter, strict=True)
    records: list[_Record] = []
    number = HEADER_ROW - 1
    try:
        for number, cells in enumerate(reader, start=HEADER_ROW):
            if any(cell.strip() for cell in cells):
                records.append(_Record(number, tuple(cells)))
    except csv.Error as error:
        # The row being read when it failed is the one after the last row read whole.
        raise _Unreadable(RowError(number + 1, "", ErrorCode.WRONG_TYPE, f"not readable as CSV: {error}")) from None
    if not records:
        raise _Unreadable(RowError(HEADER_ROW, "", ErrorCode.REQUIRED, "the file is empty: no header row"))
    header, *rows = records
    return header.cells, rows


def _text(body: bytes, encoding: str) -> str:
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        reason = f"not {encoding} text: byte 0x{body[error.start]:02x} on line {line}"
        raise _Unreadable(RowError(line, "", ErrorCode.WRONG_TYPE, reason)) from None
    # Spreadsheet programs start UTF-8 files with a byte order mark; it is not part of the first header.
    return text.removeprefix("\ufeff")


def _column_index(header: tuple[str, ...], profile: CsvProfile) -> dict[str, int] | list[RowError]:
    """Canonical field -> position of its column, or a header error for each mapped column not found once."""
    positions: dict[str, list[int]] = {}
    for position, name in enumerate(header):
        positions.setdefault(name.strip(), []).append(position)
    errors: list[RowError] = []
    index: dict[str, int] = {}
    for field_name, column in profile.columns.items():
        found = positions.get(column.strip(), [])
        if len(found) == 1:
            index[field_name] = found[0]
            continue
        reason = f"no such column (it holds {field_name})" if not found else f"appears {len(found)} times"
        code = ErrorCode.REQUIRED if not found else ErrorCode.INVALID_VALUE
        errors.append(RowError(HEADER_ROW, column, code, reason))
    return errors or index


# ---- one row ------------------------------------------------------------------------------------


def _read_row(record: _Record, header: tuple[str, ...], reader: FieldReader) -> _Row:
    errors: list[RowError] = []
    if len(record.cells) != len(header):
        reason = f"has {len(record.cells)} values; the header has {len(header)} columns"
        errors.append(RowError(record.number, "", ErrorCode.INVALID_VALUE, reason))
        return _Row(record, "", {}, set(), None, errors, [])
    bad_fields: set[str] = set()

    def report(field_name: str, bad: BadValue) -> None:
        bad_fields.add(field_name)
        errors.append(RowError(record.number, reader.column_of(field_name), bad.code, bad.reason))

    values = _order_values(record.cells, reader, report)
    if not reader.text(record.cells, "external_id"):
        report("external_id", BadValue(ErrorCode.REQUIRED, "the PO number is empty"))
    # A row whose PO number cannot be read joins no order: it is reported with the other such rows.
    po_number = str(values.get("external_id", ""))
    line = parse_line(record.cells, reader, report)
    return _Row(record, po_number, values, bad_fields, line, errors, _formula_warnings(record, reader))


def _formula_warnings(record: _Record, reader: FieldReader) -> list[RowError]:
    return [
        RowError(
            record.number,
            reader.column_of(name),
            ErrorCode.FORMULA_LIKE,
            f"{text!r} starts like a spreadsheet formula: kept as text, exported with a leading '",
        )
        for name in TEXT_FIELDS
        if looks_like_formula(text := reader.text(record.cells, name))
    ]


def _order_values(
    cells: tuple[str, ...], reader: FieldReader, report: Callable[[str, BadValue], None]
) -> dict[str, object]:
    values: dict[str, object] = {}
    for field_name in ORDER_FIELDS:
        text = reader.text(cells, field_name)
        if not text:
            continue
        try:
            values[field_name] = parse_field(field_name, text, reader)
        except BadValue as bad:
            report(field_name, bad)
    return values


# ---- rows -> orders -----------------------------------------------------------------------------


def _by_po_number(rows: list[_Row]) -> dict[str, list[_Row]]:
    groups: dict[str, list[_Row]] = {}
    for row in rows:
        groups.setdefault(row.po_number, []).append(row)
    return groups


def _order(po_number: str, rows: list[_Row], reader: FieldReader) -> CsvOrder:
    errors = [e for row in rows for e in row.errors]
    values = _merged_values(rows, reader, errors)
    if po_number:
        given = set(values).union(*(row.bad_fields for row in rows))
        errors += _missing_order_fields(given, rows[0].record.number, reader)
    errors.sort(key=lambda e: (e.row, e.column))
    lines = [row.line for row in rows if row.line is not None]
    command = None if errors else _command(po_number, values, lines, reader.partner)
    numbers = tuple(row.record.number for row in rows)
    warnings = tuple(w for row in rows for w in row.warnings)
    return CsvOrder(po_number, numbers, tuple(row.record.cells for row in rows), command, tuple(errors), warnings)


def _merged_values(rows: list[_Row], reader: FieldReader, errors: list[RowError]) -> dict[str, object]:
    """The order's fields: the first row giving each wins; a later row may leave it empty, not change it."""
    merged: dict[str, object] = {}
    given_by: dict[str, int] = {}
    for row in rows:
        for field_name, value in row.values.items():
            if field_name not in merged:
                merged[field_name], given_by[field_name] = value, row.record.number
            elif value != merged[field_name]:
                reason = f"{value} differs from {merged[field_name]} on row {given_by[field_name]} of the same PO"
                errors.append(
                    RowError(row.record.number, reader.column_of(field_name), ErrorCode.INVALID_VALUE, reason)
                )
    return merged


def _missing_order_fields(given: set[str], first_row: int, reader: FieldReader) -> list[RowError]:
    """Required order fields no row of the PO gives (a bad value was reported where it stands)."""
    return [
        RowError(first_row, reader.column_of(name), ErrorCode.REQUIRED, "empty on every row of this PO")
        for name in _REQUIRED_ORDER_FIELDS
        if name not in given
    ]


def _command(
    po_number: str, values: dict[str, object], lines: list[LineRequest], partner: PartnerProfile
) -> PlaceOrder:
    def text(name: str, fallback: str = "") -> str:
        return str(values.get(name) or fallback)

    shipping = values.get("shipping")
    return PlaceOrder(
        channel=CHANNEL,
        external_id=f"{partner.partner_id}:{po_number}",
        customer=Customer(
            reference=text("customer.reference", partner.partner_id),
            name=text("customer.name", partner.name),
            email=text("customer.email"),
            partner_id=partner.partner_id,
        ),
        ship_to=Address(
            postal_code=text("ship_to.postal_code"),
            country=text("ship_to.country"),
            name=text("ship_to.name"),
            line1=text("ship_to.line1"),
            line2=text("ship_to.line2"),
            city=text("ship_to.city"),
            region=text("ship_to.region"),
        ),
        currency=text("currency", partner.currency),
        lines=tuple(lines),
        charges=(Charge(ChargeKind.SHIPPING, shipping),) if isinstance(shipping, Decimal) and shipping else (),
        references=_references(po_number, values),
    )


def _references(po_number: str, values: dict[str, object]) -> tuple[Reference, ...]:
    # PlaceOrder has no date fields yet: the buyer's dates travel as references, in ISO form.
    dates = [Reference("buyer", name, str(values[name])) for name in ("order_date", "requested_date") if name in values]
    return (Reference("buyer", "po_number", po_number), *dates)
