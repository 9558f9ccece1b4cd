"""INVOIC, the invoice we send an EDIFACT partner once its order is invoiced (as the X12 810).

BGM 380 (commercial invoice) with the invoice number, DTM 137, RFF ON (the buyer's order number),
NAD BY and SU, CUX (2: the invoicing currency), then per line LIN (the buyer's line number and
item), QTY 47 (invoiced), MOA 203 (line amount) and PRI AAA (net unit price); UNS S, CNT 2 (the
number of lines), MOA 79 (lines), 77 (invoice amount) and 86 (message total), both with the
order's charges, and TAX 7 with MOA 124 for each tax the order carries. Money is Decimal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydifact.segments import Segment

from overture.channels.edifact.despatch import parties
from overture.channels.edifact.facts import OrderFacts, line_amount
from overture.channels.edifact.writer import Draft, Style, date, identifier, number
from overture.domain.commands import ChargeKind

DOCUMENT = "380"  # BGM 1001: commercial invoice
CENT = Decimal("0.01")


def invoice(facts: OrderFacts, invoice_number: str, issued: dt.date) -> Draft:
    style, order = facts.style, facts.order
    body = [
        Segment("BGM", DOCUMENT, invoice_number[:35], "9"),
        Segment("DTM", date(issued, "137")),
        Segment("RFF", ["ON", facts.po_number[:35]]),
        *parties(facts, ("BY", "SU")),
        Segment("CUX", ["2", order.currency, "4"]),
    ]
    lines_total = Decimal(0)
    for line in order.lines:
        buyer = facts.buyer_line(line.line_no)
        amount = line_amount(line.quantity, line.unit_price.amount)
        lines_total += amount
        body += [
            Segment("LIN", buyer.line_no, "", [buyer.item or line.sku, buyer.item_type or "SA"]),
            Segment("QTY", ["47", number(line.quantity, style), "PCE"]),
            Segment("MOA", ["203", _money(amount, style)]),
            Segment("PRI", ["AAA", number(line.unit_price.amount, style)]),
        ]
    total = lines_total + sum((c.amount for c in order.charges), Decimal(0))
    body += [
        Segment("UNS", "S"),
        Segment("CNT", ["2", str(len(order.lines))]),
        Segment("MOA", ["79", _money(lines_total, style)]),
        Segment("MOA", ["77", _money(total, style)]),
        Segment("MOA", ["86", _money(total, style)]),
    ]
    for charge in order.charges:
        if charge.kind is ChargeKind.TAX:
            body += [Segment("TAX", "7", [charge.code or "VAT"]), Segment("MOA", ["124", _money(charge.amount, style)])]
    return Draft(identifier("INVOIC", style), body)


def _money(amount: Decimal, style: Style) -> str:
    return format(amount.quantize(CENT), "f").replace(".", style.decimal_mark)
