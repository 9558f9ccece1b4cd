"""CSV injection (OWASP): which text a spreadsheet would run, and the one writer every export goes through."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from overture.channels.csv_safety import looks_like_formula, write_csv

DDE = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    "text", [DDE, "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "=1+1"]
)
def test_text_a_spreadsheet_would_run_is_flagged(text: str) -> None:
    assert looks_like_formula(text)


@pytest.mark.parametrize("text", ["-5", "-12.50", "+1 (212) 555-0100", "PO-1001", "a=b", "", "Ann O'Neil"])
def test_signed_numbers_phone_numbers_and_plain_text_are_not_flagged(text: str) -> None:
    assert not looks_like_formula(text)


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_an_export_writes_formula_text_with_a_leading_quote_and_numbers_as_numbers() -> None:
    text = write_csv([["po_number", "quantity", "amount", "note"], [DDE, -5, Decimal("-12.50"), "-5"]])

    assert _read(text) == [["po_number", "quantity", "amount", "note"], ["'" + DDE, "-5", "-12.50", "'-5"]]


def test_an_export_quotes_delimiters_quotes_and_line_breaks_so_no_cell_starts_a_formula() -> None:
    tricky = 'x",=cmd|\' /C calc\'!A0\n=HYPERLINK("http://evil")'

    text = write_csv([[tricky, "@SUM(A1)"]], delimiter=";")

    assert list(csv.reader(io.StringIO(text, newline=""), delimiter=";")) == [[tricky, "'@SUM(A1)"]]
    assert text.startswith('"x"",=cmd')  # one quoted cell, its quote doubled: the comma splits nothing
