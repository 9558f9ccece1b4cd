"""A seller's statement written as CSV and PDF (channels/seller_statements.py), from the account of
tests/services/marketplace/accounts.py on both stores: the CSV reads back to the same figures with
formula-like text neutralised, the PDF is a real document whose text carries the balances, and a long
statement runs onto more pages with its header row repeated."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from overture.bootstrap import Container
from overture.channels.seller_statements import CSV_COLUMNS, statement_csv, statement_pdf
from overture.domain.marketplace.seller_ledger import SellerEntry
from overture.domain.marketplace.seller_ledger import SellerEntryKind as K
from overture.services.marketplace.statements import Statement, statement
from tests.services.marketplace.accounts import (
    DEC,
    FORMULA,
    NOV,
    NOV_CLOSING,
    OCT,
    OCT_CLOSING,
    PAYOUT,
    SELLER,
    seed_account,
)


@pytest.fixture
def november(container: Container) -> Statement:
    seed_account(container)
    return statement(container.uow, SELLER, NOV, DEC)


def _rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def test_the_csv_reads_back_to_the_statements_figures(november: Statement) -> None:
    body = statement_csv(november)
    assert body.decode("utf-8").splitlines()[0] == ",".join(CSV_COLUMNS)
    rows = _rows(body)
    opening, entries, closing = rows[0], rows[1:-1], rows[-1]
    assert (opening["kind"], int(opening["balance_minor"]), opening["amount"]) == ("OPENING_BALANCE", OCT_CLOSING, "")
    assert (closing["kind"], int(closing["balance_minor"]), Decimal(closing["balance"])) == (
        "CLOSING_BALANCE",
        NOV_CLOSING,
        Decimal("-2.50"),
    )
    assert [(r["kind"], int(r["amount_minor"])) for r in entries] == [
        (e.kind.value, e.amount_minor) for e in november.entries
    ]
    for row in entries:  # the decimal and the minor units agree, and so does the running balance
        assert Decimal(row["amount"]) * 100 == int(row["amount_minor"])
        assert Decimal(row["balance"]) * 100 == int(row["balance_minor"])
    assert int(opening["balance_minor"]) + sum(int(r["amount_minor"]) for r in entries) == NOV_CLOSING
    assert int(entries[-1]["balance_minor"]) == NOV_CLOSING
    payout = next(r for r in entries if r["kind"] == "PAYOUT")
    assert Decimal(payout["amount"]) == Decimal(-PAYOUT) / 100 and payout["reference"].startswith("po_")


def test_formula_like_text_reaches_a_spreadsheet_as_text(container: Container) -> None:
    seed_account(container)
    october = statement(container.uow, SELLER, OCT, NOV)
    rows = _rows(statement_csv(october))
    assert [r["cause"] for r in rows if r["kind"] == "MANUAL_INVOICE"] == ["'" + FORMULA]
    # Numbers stay numbers: a negative amount is not taken for a formula.
    assert [r["amount"] for r in rows if r["kind"] == "MANUAL_INVOICE"] == ["-12.00"]


def _pdf_text(body: bytes) -> list[str]:
    pypdf = pytest.importorskip("pypdf", reason="pypdf reads the PDF back (make install)")
    reader = pypdf.PdfReader(io.BytesIO(body))
    return [page.extract_text() for page in reader.pages]


def test_the_pdf_is_a_document_with_the_balances_totals_and_payout(november: Statement) -> None:
    body = statement_pdf(november)
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    text = "\n".join(_pdf_text(body))
    assert "Seller statement" in text and "Acme Goods (acme)" in text
    assert "Period: 2026-11-01 to 2026-12-01" in text
    assert "Opening balance: 133.99 USD" in text
    assert "Closing balance: -2.50 USD" in text
    assert "Refund commission fee" in text and "6.00" in text  # a total per kind
    assert "-107.45" in text and "ACME-BANK-1" in text  # the payout
    assert "Entries in EUR are on their own statements." in text


def test_a_long_statement_runs_onto_more_pages_with_its_header_row(november: Statement) -> None:
    first = november.entries[0]
    many = tuple(
        SellerEntry(
            SELLER, K.ORDER_AMOUNT, 100 + n, "USD", f"sale {n}", "t", first.at + timedelta(minutes=n), "o", "o-A", 1
        )
        for n in range(150)
    )
    long = replace(november, entries=many, payouts=())
    pages = _pdf_text(statement_pdf(long))
    assert len(pages) > 3
    assert all("Date (UTC)" in page for page in pages[:-1])  # the entries' header on every page they run onto
    assert f"page 2 of {len(pages)}" in pages[1]
    closing = long.opening_minor + sum(100 + n for n in range(150))
    assert f"Closing balance: {Decimal(closing) / 100:,.2f} USD" in pages[0]


def test_text_the_pdf_font_cannot_hold_is_replaced_not_refused(november: Statement) -> None:
    odd = replace(november, seller_name="Acme 日本 – “quoted”")
    assert "Acme ?? – “quoted”" in "\n".join(_pdf_text(statement_pdf(odd)))
