"""Spreadsheet formulas hidden in CSV values (CSV injection, OWASP): flagged on intake, neutralised on export.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and some
skip a leading tab or carriage return first: ``=cmd|' /C calc'!A0`` as a PO number starts a program
through DDE on the machine of whoever opens an export, ``=HYPERLINK(...)`` sends data away. So:

- on intake, :func:`looks_like_formula` says which text values deserve a warning (the order is still
  taken: the text is harmless to us, only a spreadsheet would run it);
- on export, every CSV the hub writes for people goes through :func:`write_csv`, which prefixes such
  text cells with a single quote (the OWASP rule, shown by spreadsheets as plain text) and leaves
  quoting of delimiters, quotes and line breaks to the csv module.

Only text is neutralised: a number (``int``, ``Decimal``, ``float``) is written as it is, so ``-5`` in a
quantity column stays a number. The raw messages a partner sent are never rewritten; they are kept
as received (``channels.csv_intake.order_rows_csv``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A sign followed only by digits and the punctuation of numbers and phone numbers ("-5", "+1 (212)
# 555-0100"): a spreadsheet reads it as a number or an error, never as a formula that calls anything.
_NUMBER_LIKE = re.compile(r"[+-][\d .,()/-]*")


def looks_like_formula(text: str) -> bool:
    """Whether this text value would run as a formula if opened in a spreadsheet."""
    return text.startswith(FORMULA_STARTS) and _NUMBER_LIKE.fullmatch(text) is None


def neutralise(cell: object) -> object:
    """The cell as an export writes it: text that a spreadsheet could run, prefixed with ``'``."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def write_csv(rows: Iterable[Sequence[object]], *, delimiter: str = ",") -> str:
    """Rows as CSV text for people to open (header first): every export of the hub writes through here."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return out.getvalue()
