"""Seller statements on both stores, over the account of tests/services/marketplace/accounts.py:
opening plus the period's entries is the closing balance to the cent, consecutive periods chain, an
entry stamped at a period's end is the next period's, payouts are the period's, and currencies are
never added together."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

import pytest

from overture.bootstrap import Container
from overture.domain.marketplace.seller_ledger import SellerEntryKind as K
from overture.services.errors import InvalidRequest, NotFound
from overture.services.marketplace.statements import statement
from tests.services.marketplace.accounts import (
    DEC,
    DEC_CLOSING,
    JAN,
    NOV,
    NOV_CLOSING,
    NOV_MOVEMENT,
    NOV_TOTALS,
    OCT,
    OCT_CLOSING,
    OCT_TOTALS,
    PAYOUT,
    SELLER,
    Account,
    seed_account,
)


@pytest.fixture
def account(container: Container) -> Account:
    return seed_account(container)


def test_opening_plus_the_periods_entries_is_the_closing_balance(container: Container, account: Account) -> None:
    october = statement(container.uow, SELLER, OCT, NOV)
    november = statement(container.uow, SELLER, NOV, DEC)
    assert (october.opening_minor, october.closing_minor) == (0, OCT_CLOSING)
    assert october.totals() == OCT_TOTALS and sum(october.totals().values()) == OCT_CLOSING
    assert november.opening_minor == october.closing_minor
    assert (november.movement_minor, november.closing_minor) == (NOV_MOVEMENT, NOV_CLOSING)
    assert november.opening_minor + sum(e.amount_minor for e in november.entries) == november.closing_minor
    assert november.totals() == NOV_TOTALS
    # The kinds in the ledger's own order, whatever order they were posted in.
    assert list(november.totals()) == [k for k in K if k in NOV_TOTALS]
    # The balance after each entry ends on the closing balance.
    assert november.running()[-1][1] == NOV_CLOSING


def test_consecutive_statements_chain_and_add_up_to_the_whole_account(container: Container, account: Account) -> None:
    months = [statement(container.uow, SELLER, a, b) for a, b in ((OCT, NOV), (NOV, DEC), (DEC, JAN))]
    for earlier, later in pairwise(months):
        assert later.opening_minor == earlier.closing_minor
    whole = statement(container.uow, SELLER, OCT, JAN)
    assert months[-1].closing_minor == whole.closing_minor == DEC_CLOSING
    assert sum(len(m.entries) for m in months) == len(whole.entries)


def test_an_entry_stamped_at_the_end_belongs_to_the_next_period(container: Container, account: Account) -> None:
    october = statement(container.uow, SELLER, OCT, NOV)
    november = statement(container.uow, SELLER, NOV, DEC)
    december = statement(container.uow, SELLER, DEC, JAN)
    assert all(e.at < NOV for e in october.entries)
    assert [e.kind for e in november.entries if e.at == NOV] == [K.ORDER_AMOUNT, K.COMMISSION_FEE]
    assert all(e.at != DEC for e in november.entries)
    assert [(e.at, e.kind, e.amount_minor) for e in december.entries] == [(DEC, K.MANUAL_CREDIT, 100)]


def test_the_periods_payouts_are_listed_and_posted(container: Container, account: Account) -> None:
    november = statement(container.uow, SELLER, NOV, DEC)
    assert [(p.id, p.amount_minor, p.bank_account_ref) for p in november.payouts] == [
        (account.payout_id, PAYOUT, "ACME-BANK-1")
    ]
    posted = [e for e in november.entries if e.kind is K.PAYOUT]
    assert [(e.amount_minor, e.reference) for e in posted] == [(-PAYOUT, account.payout_id)]
    assert statement(container.uow, SELLER, OCT, NOV).payouts == ()


def test_another_currency_is_named_and_has_its_own_statement(container: Container, account: Account) -> None:
    november = statement(container.uow, SELLER, NOV, DEC)
    assert november.currency == "USD" and november.other_currencies == ("EUR",)
    assert all(e.currency == "USD" for e in november.entries)
    euros = statement(container.uow, SELLER, NOV, DEC, currency="EUR")
    assert (euros.opening_minor, euros.closing_minor, euros.other_currencies) == (0, 3000, ("USD",))
    assert euros.payouts == ()  # the payout was in dollars


def test_an_empty_period_opens_and_closes_on_the_balance(container: Container, account: Account) -> None:
    later = statement(container.uow, SELLER, JAN, JAN.replace(month=2))
    assert (later.opening_minor, later.closing_minor, later.entries, later.totals()) == (
        DEC_CLOSING,
        DEC_CLOSING,
        (),
        {},
    )


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(NOV, NOV, "end"), (DEC, NOV, "end"), (datetime(2026, 11, 1), DEC, "start"), (NOV, datetime(2026, 12, 1), "end")],
)
def test_a_period_that_is_not_one_is_refused_naming_the_field(
    container: Container, account: Account, start: datetime, end: datetime, field: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        statement(container.uow, SELLER, start, end)
    assert refused.value.error.field == field


def test_an_unknown_seller_or_currency_is_refused(container: Container, account: Account) -> None:
    with pytest.raises(NotFound):
        statement(container.uow, "nobody", NOV, DEC)
    with pytest.raises(InvalidRequest) as refused:
        statement(container.uow, SELLER, NOV, DEC, currency="XXY")
    assert refused.value.error.field == "currency"
