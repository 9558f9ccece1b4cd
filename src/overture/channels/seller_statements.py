"""A seller's statement written for people: CSV for a spreadsheet, PDF to keep or send.

What is on a statement is decided in ``services/marketplace/statements.py``; this is only its formats,
beside the other files the hub writes (the CSV goes through ``csv_safety.write_csv``, as every export
does, so a cause or reference that starts like a formula reaches a spreadsheet as text).

CSV: one header row; an ``OPENING_BALANCE`` row at the period's start, one row per entry with the
balance after it, a ``CLOSING_BALANCE`` row at its end. The two balance rows leave ``amount`` empty,
so summing that column gives the period's movement. Amounts are decimals in the currency's units, the
minor units beside them.

PDF (fpdf2): title, seller, period, opening and closing balances, the entries table (its header row
repeated on every page it runs onto), the totals per kind and the payouts. The built-in Helvetica
holds Windows-1252 only: other characters print as "?" (the CSV keeps the text exactly).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fpdf import FPDF
from fpdf.fonts import FontFace

from overture.channels.csv_safety import write_csv
from overture.domain.marketplace.seller_ledger import SellerEntry, SellerEntryKind
from overture.domain.money import from_minor
from overture.services.marketplace.statements import Statement

CSV_COLUMNS = (
    "at",
    "kind",
    "amount",
    "amount_minor",
    "balance",
    "balance_minor",
    "currency",
    "order_id",
    "sub_order_id",
    "line_no",
    "cause",
    "reference",
    "actor",
)
OPENING, CLOSING = "OPENING_BALANCE", "CLOSING_BALANCE"
_ENCODING = "windows-1252"
_ENTRY_HEADINGS = ("Date (UTC)", "Kind", "Sub-order (or order) and line", "Cause and reference", "Amount", "Balance")
# Millimetres of a landscape A4 page (277 between the margins): an order id alone is some 45 mm.
_ENTRY_WIDTHS = (25, 32, 55, 115, 25, 25)
_ENTRY_ALIGN = ("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT")


def statement_csv(st: Statement) -> bytes:
    """The statement as UTF-8 CSV (see the module's docstring for its rows)."""
    rows: list[list[object]] = [list(CSV_COLUMNS), _balance_row(st, OPENING, st.start, st.opening_minor)]
    for entry, after in st.running():
        rows.append(
            [
                _iso(entry.at),
                entry.kind.value,
                from_minor(entry.amount_minor, st.currency),
                entry.amount_minor,
                from_minor(after, st.currency),
                after,
                entry.currency,
                entry.order_id,
                entry.sub_order_id,
                "" if entry.line_no is None else entry.line_no,
                entry.cause,
                entry.reference,
                entry.actor,
            ]
        )
    rows.append(_balance_row(st, CLOSING, st.end, st.closing_minor))
    return write_csv(rows).encode("utf-8")


def _balance_row(st: Statement, kind: str, at: datetime, minor: int) -> list[object]:
    balance = from_minor(minor, st.currency)
    return [_iso(at), kind, "", "", balance, minor, st.currency, "", "", "", "", "", ""]


def _iso(at: datetime) -> str:
    return at.isoformat()


class _StatementPdf(FPDF):
    """A page footer naming the seller and the page, so a printed page that strays is still placed."""

    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.cell(0, 6, _text(f"{self.footer_text} - page {self.page_no()} of {{nb}}"), align="C")


def statement_pdf(st: Statement) -> bytes:
    """The statement as a PDF document."""
    pdf = _StatementPdf(orientation="landscape", format="A4")
    pdf.core_fonts_encoding = _ENCODING
    pdf.footer_text = f"Statement of {st.seller_name} ({st.seller_id}), {_period(st)}"
    pdf.set_title(_text(f"Seller statement {st.seller_id} {_day(st.start)}"))
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    _heading(pdf, st)
    _entries(pdf, st)
    _totals(pdf, st)
    _payouts(pdf, st)
    return bytes(pdf.output())


def _heading(pdf: FPDF, st: Statement) -> None:
    pdf.set_font("helvetica", style="B", size=16)
    pdf.cell(0, 10, "Seller statement", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    lines = [
        f"Seller: {st.seller_name} ({st.seller_id})",
        f"Period: {_period(st)}",
        f"Currency: {st.currency}",
        f"Opening balance: {_money(st.opening_minor, st)}",
        f"Closing balance: {_money(st.closing_minor, st)}",
        f"Movement in the period: {_money(st.movement_minor, st)} in {len(st.entries)} entries",
    ]
    if st.other_currencies:
        lines.append(f"Entries in {', '.join(st.other_currencies)} are on their own statements.")
    for line in lines:
        pdf.cell(0, 6, _text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _entries(pdf: FPDF, st: Statement) -> None:
    _subtitle(pdf, "Entries")
    if not st.entries:
        pdf.cell(0, 6, "No entries in this period.", new_x="LMARGIN", new_y="NEXT")
        return
    pdf.set_font("helvetica", size=8)
    with pdf.table(
        col_widths=_ENTRY_WIDTHS,
        text_align=_ENTRY_ALIGN,
        headings_style=FontFace(emphasis="BOLD"),
        line_height=4.5,
        padding=1,
        repeat_headings=1,
    ) as table:
        table.row(_ENTRY_HEADINGS)
        for entry, after in st.running():
            table.row([_text(cell) for cell in _entry_cells(entry, after, st)])
    pdf.ln(3)


def _entry_cells(entry: SellerEntry, after: int, st: Statement) -> list[str]:
    # A sub-order's id starts with its order's, so it alone says both.
    where = " ".join(p for p in (entry.sub_order_id or entry.order_id, _line(entry.line_no)) if p)
    why = entry.cause + (f" (ref. {entry.reference})" if entry.reference else "")
    return [
        entry.at.strftime("%Y-%m-%d %H:%M"),
        _kind(entry.kind),
        where,
        why,
        _amount(entry.amount_minor, st),
        _amount(after, st),
    ]


def _totals(pdf: FPDF, st: Statement) -> None:
    _subtitle(pdf, "Totals per kind")
    pdf.set_font("helvetica", size=9)
    with pdf.table(col_widths=(3, 1), text_align=("LEFT", "RIGHT"), width=110, align="LEFT", padding=1) as table:
        table.row(("Kind", f"Amount ({st.currency})"))
        for kind, minor in st.totals().items():
            table.row((_kind(kind), _amount(minor, st)))
        table.row(("Movement in the period", _amount(st.movement_minor, st)))
    pdf.ln(3)


def _payouts(pdf: FPDF, st: Statement) -> None:
    _subtitle(pdf, "Payouts in the period")
    pdf.set_font("helvetica", size=9)
    if not st.payouts:
        pdf.cell(0, 6, "No payout in this period.", new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(col_widths=(2, 2, 3, 2), text_align=("LEFT", "LEFT", "LEFT", "RIGHT"), padding=1) as table:
        table.row(("Paid (UTC)", "Entries up to", "Payout and bank reference", f"Amount ({st.currency})"))
        for p in st.payouts:
            reference = _text(f"{p.id} to {p.bank_account_ref or 'no bank reference'}")
            cells = (p.created_at.strftime("%Y-%m-%d %H:%M"), p.cutoff.strftime("%Y-%m-%d %H:%M"), reference)
            table.row((*cells, _amount(p.amount_minor, st)))


def _subtitle(pdf: FPDF, title: str) -> None:
    pdf.set_font("helvetica", style="B", size=12)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=9)


def _period(st: Statement) -> str:
    return f"{_day(st.start)} to {_day(st.end)} (from {_stamp(st.start)} up to, not including, {_stamp(st.end)})"


def _day(at: datetime) -> str:
    return at.strftime("%Y-%m-%d")


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M %Z").strip()


def _kind(kind: SellerEntryKind) -> str:
    """REFUND_COMMISSION_TAX as "Refund commission tax": words wrap in a narrow column, codes do not."""
    return kind.value.replace("_", " ").capitalize()


def _line(line_no: int | None) -> str:
    return "" if line_no is None else f"line {line_no}"


def _amount(minor: int, st: Statement) -> str:
    value: Decimal = from_minor(minor, st.currency)
    return f"{value:,}"


def _money(minor: int, st: Statement) -> str:
    return f"{_amount(minor, st)} {st.currency}"


def _text(value: str) -> str:
    """What Helvetica can print: Windows-1252, anything else as "?"."""
    return value.encode(_ENCODING, "replace").decode(_ENCODING)
