"""Point-of-sale receipts in: a generic POS batch file (CSV) and Shopify POS orders -> RecordPosSale.

Pure translators; ``channels/pos_import.py`` stores and records what they read (``services/pos.py``).

The batch file is UTF-8 CSV (a BOM is fine), one row per receipt line, a header naming the columns
(any order, case and surrounding spaces ignored; unknown columns ignored)::

    column          required  meaning
    store           yes       our store location id (alias: location_id)
    receipt         yes       the till's receipt / transaction id, unique at the store (alias: transaction_id)
    sku             yes       our SKU
    quantity        yes       units, a whole number, not 0; negative: returned at the till
    unit_price      yes       price of one unit before discount, 0 or more (. as decimal point)
    register        no        the till
    timestamp       no        when it was rung up, ISO 8601 with its UTC offset (2026-12-07T15:04:05+01:00)
    tax             no        tax on the line's units, 0 or more (a return's tax is refunded with it)
    discount        no        amount off the line, written either sign
    tender          no        how it was paid: cash, card, gift_card, ...
    currency        no        ISO 4217, default USD; one per receipt
    original_receipt no      a return receipt: the sale it takes back (its quantities are returns, either sign)

Rows of one receipt (same store and receipt) may be anywhere in the file; they become one order.
Every problem is a ``RowError`` naming the row (the header is row 1) and the column.

A Shopify POS order is a Shopify order webhook (``orders/create``) whose ``source_name`` is ``pos``;
its ``location_id`` (the Shopify location of the till) maps to our store by the setting
``shopify_locations`` (``{"655441491": "STORE-1"}``). The receipt id is the Shopify order id.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation

from overture.channels import shopify
from overture.channels.csv_intake import RowError
from overture.domain.commands import Charge, ChargeKind, LineRequest
from overture.domain.digits import is_digits
from overture.domain.pos import PosLine, RecordPosSale
from overture.services.errors import ErrorCode, FieldError, PayloadError

SHOPIFY_POS_SOURCE = "pos"
HEADER_ROW = 1
MAX_ROWS = 100_000
_ALIASES = {"location_id": "store", "transaction_id": "receipt", "receipt_id": "receipt"}
REQUIRED = ("store", "receipt", "sku", "quantity", "unit_price")
_HEAD = ("register", "timestamp", "tender", "currency", "original_receipt")  # one value per receipt


@dataclass(frozen=True, slots=True)
class PosReceiptRows:
    """One receipt of a batch: its rows (file row numbers), and what they say, or what is wrong with them."""

    location_id: str
    receipt_id: str
    rows: tuple[int, ...]
    sale: RecordPosSale | None
    errors: tuple[RowError, ...] = ()
    text: str = ""  # the header and these rows, as CSV: the receipt's own raw message


class _Bad(ValueError):
    def __init__(self, code: ErrorCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def read_batch(body: bytes) -> list[PosReceiptRows]:
    """Every receipt in a POS batch file, in the order its first row came; PayloadError when the file
    cannot be read at all (not UTF-8 text, no header, a required column missing, no rows)."""
    header, rows = _table(body)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(header)
    head = out.getvalue()
    grouped: dict[tuple[str, str], list[tuple[int, dict[str, str]]]] = {}
    for number, cells in rows:
        record = {name: cells[i].strip() if i < len(cells) else "" for i, name in enumerate(header)}
        key = (record.get("store", ""), record.get("receipt", ""))
        if not all(key):
            key = ("", f"row {number}")  # nothing to group it by: a receipt of its own, bad
        grouped.setdefault(key, []).append((number, record))
    texts = {number: cells for number, cells in rows}
    return [
        replace(_receipt(store, receipt, lines), text=head + _rows_csv([texts[n] for n, _ in lines]))
        for (store, receipt), lines in grouped.items()
    ]


def _rows_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _table(body: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _file_error("", f"the file is not UTF-8 text (byte {error.start})") from None
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise _file_error("", f"not CSV: {error}") from None
    if not table:
        raise _file_error("", "the file is empty: it needs a header row")
    header = [_ALIASES.get(name.strip().lower(), name.strip().lower()) for name in table[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise _file_error("header", f"missing column(s): {', '.join(missing)}")
    rows = [(n, cells) for n, cells in enumerate(table[1:], start=HEADER_ROW + 1) if any(c.strip() for c in cells)]
    if not rows:
        raise _file_error("", "the file has a header but no rows")
    if len(rows) > MAX_ROWS:
        raise _file_error("", f"{len(rows)} rows: at most {MAX_ROWS} in one file")
    return header, rows


def _file_error(field_name: str, reason: str) -> PayloadError:
    return PayloadError(
        ErrorCode.VALIDATION_FAILED, [FieldError(field_name or "file", ErrorCode.INVALID_VALUE, reason)]
    )


def _receipt(store: str, receipt: str, rows: list[tuple[int, dict[str, str]]]) -> PosReceiptRows:
    numbers = tuple(n for n, _ in rows)
    errors: list[RowError] = []
    if not store:
        number, record = rows[0]
        for column in ("store", "receipt"):
            if not record.get(column):
                errors.append(RowError(number, column, ErrorCode.REQUIRED, f"{column} is required"))
        return PosReceiptRows(store, receipt, numbers, None, tuple(errors))
    lines = [line for n, record in rows if (line := _line(n, record, errors)) is not None]
    head = {column: _agreed(rows, column, errors) for column in _HEAD}
    if head["original_receipt"]:  # a return receipt: every line takes units back, whichever sign it is written
        lines = [replace(line, quantity=-abs(line.quantity)) for line in lines]
    sold_at = _timestamp(rows[0][0], head["timestamp"], errors)
    currency = (head["currency"] or "USD").upper()
    if len(currency) != 3 or not currency.isalpha():
        errors.append(RowError(rows[0][0], "currency", ErrorCode.INVALID_VALUE, f"{currency!r} is not ISO 4217"))
    if errors:
        return PosReceiptRows(store, receipt, numbers, None, tuple(errors))
    sale = RecordPosSale(
        location_id=store,
        receipt_id=receipt,
        currency=currency,
        lines=tuple(lines),
        sold_at=sold_at,
        register=head["register"],
        tender=head["tender"],
        original_receipt=head["original_receipt"],
    )
    return PosReceiptRows(store, receipt, numbers, sale)


def _agreed(rows: list[tuple[int, dict[str, str]]], column: str, errors: list[RowError]) -> str:
    """A receipt-wide value: the first row's; a later row giving another one is an error."""
    values = [(n, record.get(column, "")) for n, record in rows]
    first = next((value for _, value in values if value), "")
    for n, value in values:
        if value and value != first:
            errors.append(
                RowError(n, column, ErrorCode.INVALID_VALUE, f"{value!r} differs from {first!r} on this receipt")
            )
    return first


def _timestamp(row: int, text: str, errors: list[RowError]) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        errors.append(RowError(row, "timestamp", ErrorCode.INVALID_VALUE, f"{text!r} is not an ISO 8601 time"))
        return None
    if at.tzinfo is None:
        errors.append(RowError(row, "timestamp", ErrorCode.INVALID_VALUE, f"{text!r} needs its UTC offset"))
        return None
    return at


def _line(row: int, record: Mapping[str, str], errors: list[RowError]) -> PosLine | None:
    before = len(errors)

    def read(column: str, parse: type[int] | type[Decimal], *, required: bool) -> int | Decimal | None:
        text = record.get(column, "")
        if not text:
            if required:
                errors.append(RowError(row, column, ErrorCode.REQUIRED, f"{column} is required"))
            return None if required else parse(0)
        try:
            return _number(text, parse)
        except _Bad as bad:
            errors.append(RowError(row, column, bad.code, bad.reason))
            return None

    quantity, unit_price = read("quantity", int, required=True), read("unit_price", Decimal, required=True)
    tax, discount = read("tax", Decimal, required=False), read("discount", Decimal, required=False)
    _check(row, {"quantity": quantity, "unit_price": unit_price, "tax": tax}, errors)
    if len(errors) > before or quantity is None or unit_price is None or tax is None or discount is None:
        return None
    return PosLine(record["sku"], int(quantity), Decimal(unit_price), Decimal(tax), -abs(Decimal(discount)))


def _number(text: str, parse: type[int] | type[Decimal]) -> int | Decimal:
    if parse is int:
        if not is_digits(text.lstrip("+-")):
            raise _Bad(ErrorCode.INVALID_VALUE, f"{text!r} is not a whole number")
        return int(text)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _Bad(ErrorCode.INVALID_VALUE, f"{text!r} is not a number") from None
    if not value.is_finite():
        raise _Bad(ErrorCode.INVALID_VALUE, f"{text!r} is not a number")
    return value


def _check(row: int, values: Mapping[str, int | Decimal | None], errors: list[RowError]) -> None:
    """Ranges of the values that could be read (one that could not was reported already)."""
    quantity = values["quantity"]
    if quantity == 0:
        errors.append(RowError(row, "quantity", ErrorCode.OUT_OF_RANGE, "must not be 0 (negative: a return)"))
    if quantity is not None and abs(int(quantity)) > 1_000_000:
        errors.append(RowError(row, "quantity", ErrorCode.OUT_OF_RANGE, "more than 1000000 units"))
    for column in ("unit_price", "tax"):
        value = values[column]
        if value is not None and value < 0:
            errors.append(RowError(row, column, ErrorCode.OUT_OF_RANGE, "must not be negative"))


# ---- Shopify POS ------------------------------------------------------------------------------------


def is_shopify_pos(body: bytes) -> bool:
    """Whether a Shopify order webhook was rung up on Shopify POS (``source_name`` "pos")."""
    try:
        order = json.loads(body)
    except ValueError:
        return False
    return isinstance(order, dict) and order.get("source_name") == SHOPIFY_POS_SOURCE


def translate_shopify_pos(body: bytes, *, locations: Mapping[str, str]) -> RecordPosSale:
    """A Shopify POS order -> RecordPosSale at the store its ``location_id`` maps to (``locations``).

    Read with the Shopify channel's own field mapping (lines, discounts, tax, references); a walk-in sale
    has no address, and needs none: the goods were handed over at the till."""
    order = shopify.parse(body)  # PayloadError naming each bad field, as for any Shopify order
    if not order.line_items:
        raise PayloadError(
            ErrorCode.VALIDATION_FAILED,
            [FieldError("line_items", ErrorCode.REQUIRED, "an order needs at least one line item")],
        )
    raw = json.loads(body)
    location = str(raw.get("location_id") or "")
    if not location:
        raise PayloadError(
            ErrorCode.VALIDATION_FAILED,
            [FieldError("location_id", ErrorCode.REQUIRED, "a POS order names its Shopify location")],
        )
    store = locations.get(location)
    if store is None:
        reason = f"Shopify location {location} is not mapped to a store (setting shopify_locations)"
        raise PayloadError(ErrorCode.VALIDATION_FAILED, [FieldError("location_id", ErrorCode.NOT_FOUND, reason)])
    lines = [shopify.line_of(item) for item in order.line_items]
    gateway = raw.get("gateway")
    return RecordPosSale(
        location_id=store,
        receipt_id=order.id,
        currency=order.currency,
        lines=_pos_lines(lines, shopify.charges_of(order)),
        sold_at=_shopify_time(raw.get("created_at")),
        register=str(raw.get("device_id") or ""),
        tender=gateway if isinstance(gateway, str) and gateway else "shopify_pos",
        source="shopify",
        charges=tuple(c for c in shopify.charges_of(order) if not _on_line(c)),
        references=tuple(shopify.references_of(order)),
    )


def _on_line(charge: Charge) -> bool:
    return charge.line_no is not None and charge.kind in (ChargeKind.TAX, ChargeKind.DISCOUNT)


def _pos_lines(lines: list[LineRequest], charges: list[Charge]) -> tuple[PosLine, ...]:
    """Each line with its own tax and discount (order-level amounts stay the receipt's charges)."""

    def of(n: int, kind: ChargeKind) -> Decimal:
        return sum((c.amount for c in charges if c.line_no == n and c.kind is kind), Decimal(0))

    return tuple(
        PosLine(line.sku, line.quantity, line.unit_price, of(n, ChargeKind.TAX), of(n, ChargeKind.DISCOUNT))
        for n, line in enumerate(lines, start=1)
    )


def _shopify_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def refunded_order_id(body: bytes) -> str | None:
    """The Shopify order a refunds/create body refunds (None when it cannot be read)."""
    try:
        refund = json.loads(body)
    except ValueError:
        return None
    order_id = refund.get("order_id") if isinstance(refund, dict) else None
    return str(order_id) if isinstance(order_id, int | str) and str(order_id) else None


def translate_shopify_pos_refund(body: bytes, *, store: str, currency: str) -> RecordPosSale:
    """A Shopify refunds/create of a POS order -> a return receipt at that order's store: each refunded
    line's units back, at what the refund gave back for them (tax included)."""
    refund = shopify.read_refund(body)
    order_id = refunded_order_id(body) or ""
    lines = tuple(
        PosLine(line.sku, -line.quantity, (line.amount or Decimal(0)) / line.quantity)
        for line in refund.lines
        if line.quantity > 0
    )
    if not lines:
        reason = "a POS return names the units it takes back (refund_line_items)"
        raise PayloadError(ErrorCode.VALIDATION_FAILED, [FieldError("refund_line_items", ErrorCode.REQUIRED, reason)])
    return RecordPosSale(
        location_id=store,
        receipt_id=f"refund-{refund.refund_id}",
        currency=refund.currency or currency,
        lines=lines,
        tender="shopify_pos",
        original_receipt=order_id,
        source="shopify",
    )
