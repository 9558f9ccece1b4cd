"""A seller's account across October, November and December 2026, written through the services (a
registration, manual credits and invoices, a payout run) and the port (shipped lines, a refund), with
every figure worked out here by hand. USD unless said; minor units.

October [10-01, 11-01):
- 10-05 10:00 MANUAL_CREDIT  +10000  "welcome credit"
- 10-20 12:00 ord_A-A line 1: ORDER_AMOUNT +4999, SHIPPING +500, COMMISSION_FEE -750, COMMISSION_TAX -150
- 10-31 23:00 MANUAL_INVOICE  -1200  a cause that starts like a spreadsheet formula
  opening 0, closing 13399

November [11-01, 12-01):
- 11-01 00:00 exactly (October's end): ord_B-A line 2: ORDER_AMOUNT +2500, COMMISSION_FEE -375
- 11-03 09:00 refund of ord_A-A line 1: REFUND_ORDER_AMOUNT -4999, REFUND_SHIPPING -500,
  REFUND_COMMISSION_FEE +600, REFUND_COMMISSION_TAX +120
- 11-20 10:00 the payout run (hold 7 days, minimum 1000): everything up to 11-13 10:00 is 10745: PAYOUT -10745
- 11-25 08:00 ord_C-A line 1 in EUR: ORDER_AMOUNT +3000 EUR (on the EUR statement only)
- 11-30 23:59 MANUAL_INVOICE -250 "late shipment fee"
  opening 13399, movement 2500 - 375 - 4999 - 500 + 600 + 120 - 10745 - 250 = -13649, closing -250

December [12-01, 01-01):
- 12-01 00:00 exactly (November's end): MANUAL_CREDIT +100 "goodwill"
  opening -250, closing -150
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from overture.bootstrap import Container
from overture.domain.marketplace.seller_ledger import SellerEntry
from overture.domain.marketplace.seller_ledger import SellerEntryKind as K
from overture.services.marketplace import seller_ledger, sellers
from overture.services.ports import UnitOfWork
from overture.services.retry import in_transaction

SELLER = "acme"
FORMULA = '=HYPERLINK("http://evil.example","fee")'
OCT, NOV, DEC, JAN = (datetime(y, m, 1, tzinfo=UTC) for y, m in ((2026, 10), (2026, 11), (2026, 12), (2027, 1)))
OCT_CLOSING, NOV_MOVEMENT, NOV_CLOSING, DEC_CLOSING = 13399, -13649, -250, -150
PAYOUT = 10745
OCT_TOTALS = {K.ORDER_AMOUNT: 4999, K.SHIPPING: 500, K.COMMISSION_FEE: -750, K.COMMISSION_TAX: -150}
OCT_TOTALS |= {K.MANUAL_CREDIT: 10000, K.MANUAL_INVOICE: -1200}
NOV_TOTALS = {
    K.ORDER_AMOUNT: 2500,
    K.COMMISSION_FEE: -375,
    K.REFUND_ORDER_AMOUNT: -4999,
    K.REFUND_SHIPPING: -500,
    K.REFUND_COMMISSION_FEE: 600,
    K.REFUND_COMMISSION_TAX: 120,
    K.MANUAL_INVOICE: -250,
    K.PAYOUT: -PAYOUT,
}


@dataclass(frozen=True, slots=True)
class Account:
    seller_id: str
    payout_id: str


def at(month: int, day: int, hour: int = 0, minute: int = 0, *, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _fixed(when: datetime) -> Callable[[], datetime]:
    return lambda: when


def _post(container: Container, key: str, when: datetime, *entries: tuple[K, int, str, str, int]) -> None:
    """Entries of one posting: (kind, minor, currency, sub-order, line)."""
    made = [
        SellerEntry(SELLER, kind, minor, cur, f"{sub} line {line}", "marketplace", when, sub[:-2], sub, line)
        for kind, minor, cur, sub, line in entries
    ]

    def work(uow: UnitOfWork) -> None:
        assert uow.marketplace.post(key, SELLER, made, when)

    in_transaction(container.uow, work)


def _manual(container: Container, kind: K, minor: int, reason: str, when: datetime) -> None:
    seller_ledger.manual_entry(
        container.uow, SELLER, kind=kind, amount_minor=minor, reason=reason, actor="olga (operator)", clock=_fixed(when)
    )


def seed_account(container: Container) -> Account:
    profile = {"bank_account_ref": "ACME-BANK-1"}
    sellers.register(container.uow, SELLER, "Acme Goods", profile=profile, actor="t", clock=_fixed(at(9, 1)))
    _manual(container, K.MANUAL_CREDIT, 10000, "welcome credit", at(10, 5, 10))
    shipped_a = [(K.ORDER_AMOUNT, 4999), (K.SHIPPING, 500), (K.COMMISSION_FEE, -750), (K.COMMISSION_TAX, -150)]
    _post(container, "shipped:ord_A-A", at(10, 20, 12), *((k, m, "USD", "ord_A-A", 1) for k, m in shipped_a))
    _manual(container, K.MANUAL_INVOICE, 1200, FORMULA, at(10, 31, 23))
    shipped_b = [(K.ORDER_AMOUNT, 2500), (K.COMMISSION_FEE, -375)]
    _post(container, "shipped:ord_B-A", NOV, *((k, m, "USD", "ord_B-A", 2) for k, m in shipped_b))
    refund = [
        (K.REFUND_ORDER_AMOUNT, -4999),
        (K.REFUND_SHIPPING, -500),
        (K.REFUND_COMMISSION_FEE, 600),
        (K.REFUND_COMMISSION_TAX, 120),
    ]
    _post(container, "refund:ord_A-A:5499", at(11, 3, 9), *((k, m, "USD", "ord_A-A", 1) for k, m in refund))
    (payout,) = seller_ledger.run_payouts(container.uow, clock=_fixed(at(11, 20, 10)), seller_ids=[SELLER])
    assert payout.amount_minor == PAYOUT
    _post(container, "shipped:ord_C-A", at(11, 25, 8), (K.ORDER_AMOUNT, 3000, "EUR", "ord_C-A", 1))
    _manual(container, K.MANUAL_INVOICE, 250, "late shipment fee", at(11, 30, 23, 59))
    _manual(container, K.MANUAL_CREDIT, 100, "goodwill", DEC)
    return Account(SELLER, payout.id)
