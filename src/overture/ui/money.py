"""The order page's money box: what the lines come to, each charge, the total, and the total the
channel declared beside it (with the difference, when the two disagree)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from overture.domain.money import from_minor
from overture.services.money import money_view
from overture.services.ports import UnitOfWork
from overture.services.returns import returns_of


def order_money(order: Mapping[str, Any]) -> dict[str, Any]:
    lines = [Decimal(str(line["unit_price"])) * int(line["quantity"]) for line in order["lines"]]
    charges = [
        {"kind": c["kind"], "code": c.get("code", ""), "line_no": c.get("line_no"), "amount": Decimal(str(c["amount"]))}
        for c in order.get("charges") or []
    ]
    total = Decimal(str(order["total"]))
    declared = order.get("declared_total")
    declared = None if declared is None else Decimal(str(declared))
    return {
        "currency": order["currency"],
        "lines": sum(lines, Decimal(0)),
        "charges": charges,
        "total": total,
        "declared": declared,
        "difference": None if declared is None or declared == total else declared - total,
    }


def ledger_panel(uow: UnitOfWork, order_id: str) -> dict[str, Any]:
    """The order page's ledger: per line what it owes, what was captured and given back, what is still
    outstanding; and each return with the steps it has been through."""
    view = money_view(uow, order_id)

    def amount(minor: int) -> Decimal:
        return from_minor(minor, view.currency)

    lines = [
        {
            "line_no": x.line_no,
            "sku": x.sku,
            "due": amount(x.balance.due),
            "captured": amount(x.balance.captured),
            "refunded": amount(x.balance.refunded),
            "credited": amount(x.balance.credited),
            "outstanding": amount(x.balance.outstanding),
        }
        for x in view.lines
    ]
    t = view.totals
    totals = {
        "due": amount(t.due),
        "authorised": amount(t.authorised),
        "captured": amount(t.captured),
        "refunded": amount(t.refunded),
        "credited": amount(t.credited),
        "outstanding": amount(t.outstanding),
    }
    rets = [
        {
            "id": r.id,
            "status": r.status.value,
            "settlement": r.settlement.value,
            "lines": ", ".join(f"{x.quantity} x {x.sku} ({x.reason.value})" for x in r.lines),
            "steps": [
                (name, when)
                for name, when in (
                    ("requested", r.requested_at),
                    ("approved", r.approved_at),
                    ("received", r.received_at),
                    ("settled", r.settled_at),
                )
                if when is not None
            ],
            "exchange_order_id": r.exchange_order_id,
        }
        for r in returns_of(uow, order_id)
    ]
    return {"currency": view.currency, "lines": lines, "totals": totals, "returns": rets}
