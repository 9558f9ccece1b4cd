"""An order's money, an edit's preview and a return as JSON (the API's and the dashboard's shape)."""

from __future__ import annotations

from typing import Any

from overture.domain.money import from_minor
from overture.domain.money.ledger import Balance
from overture.domain.returns import Return
from overture.services.money import MoneyView
from overture.services.order_edits import EditPreview

BALANCE_FIELDS = (
    "charge",
    "discount",
    "tax",
    "shipping",
    "fee",
    "adjustment",
    "due",
    "authorised",
    "captured",
    "refunded",
    "credited",
    "written_off",
    "outstanding",
)


def balance_json(balance: Balance, currency: str) -> dict[str, str]:
    return {name: str(from_minor(getattr(balance, name), currency)) for name in BALANCE_FIELDS}


def money_json(view: MoneyView) -> dict[str, Any]:
    c = view.currency
    return {
        "order_id": view.order_id,
        "currency": c,
        "lines": [
            {"line_no": x.line_no, "sku": x.sku, "quantity": x.quantity, **balance_json(x.balance, c)}
            for x in view.lines
        ],
        "order": balance_json(view.order_level, c),
        "totals": balance_json(view.totals, c),
        "entries": [
            {
                "line_no": e.line_no,
                "kind": e.kind.value,
                "amount": str(from_minor(e.amount, c)),
                "cause": e.cause,
                "actor": e.actor,
                "reference": e.reference,
                "at": e.at.isoformat(),
            }
            for e in view.entries
        ],
    }


def preview_json(order_id: str, preview: EditPreview, *, applied: bool) -> dict[str, Any]:
    c = preview.currency
    return {
        "order_id": order_id,
        "applied": applied,
        "status": preview.status,
        "lines": [{"line_no": n, "sku": s, "quantity": q, "unit_price": p} for n, s, q, p in preview.lines],
        "reservations": [{"line_no": n, "location_id": loc, "quantity": q} for n, loc, q in preview.reservations],
        "due_before": str(from_minor(preview.due_before, c)),
        "due_after": str(from_minor(preview.due_after, c)),
        "difference": str(from_minor(preview.difference, c)),
        "currency": c,
    }


def return_json(ret: Return) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "id": ret.id,
        "order_id": ret.order_id,
        "channel": ret.channel,
        "external_id": ret.external_id,
        "status": ret.status.value,
        "settlement": ret.settlement.value,
        "exchange_policy": ret.exchange_policy.value,
        "exchange_order_id": ret.exchange_order_id,
        "label": ret.label,
        "location_id": ret.location_id,
        "lines": [
            {
                "line_no": x.line_no,
                "sku": x.sku,
                "quantity": x.quantity,
                "reason": x.reason.value,
                "note": x.note,
                "inspection": [o.value for o in x.inspection],
                "refurbished": x.refurbished,
                "exchange_sku": x.exchange_sku,
            }
            for x in ret.lines
        ],
        "requested_at": when(ret.requested_at),
        "approved_at": when(ret.approved_at),
        "received_at": when(ret.received_at),
        "settled_at": when(ret.settled_at),
        "links": {"self": f"/v1/returns/{ret.id}", "order": f"/v1/orders/{ret.order_id}"},
    }
