"""The order page's money box: what the lines come to, each charge, the total, and the total the
channel declared beside it (with the difference, when the two disagree)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any


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
