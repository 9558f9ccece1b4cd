"""The marketplace as JSON, for the API (operators' and sellers' routes) and the dashboard alike."""

from __future__ import annotations

import dataclasses
from typing import Any

from overture.domain.marketplace.buybox import Offer
from overture.domain.marketplace.scorecard import Scorecard
from overture.domain.marketplace.seller_ledger import SellerEntry
from overture.domain.marketplace.sellers import Seller
from overture.domain.marketplace.sub_orders import SellerLine, SubOrder
from overture.domain.money import from_minor
from overture.services.ports.marketplace import Incident, Payout, SellerCase


def _amount(minor: int, currency: str) -> str:
    return str(from_minor(minor, currency))


def seller_json(seller: Seller, *, with_profile: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": seller.id,
        "name": seller.name,
        "status": seller.status.value,
        "holiday": seller.holiday,
        "location_id": seller.location_id,
        "currency": seller.currency,
        "score": round(seller.score, 4),
        "grace_until": seller.grace_until.isoformat() if seller.grace_until else None,
        "partner_id": seller.partner_id,
    }
    if with_profile:
        body["profile"] = dict(seller.profile)
    return body


def offer_json(offer: Offer) -> dict[str, Any]:
    return {
        "id": offer.id,
        "sku": offer.sku,
        "gtin": offer.gtin,
        "title": offer.title,
        "category": offer.category,
        "price": _amount(offer.price_minor, offer.currency),
        "shipping_price": _amount(offer.shipping_minor, offer.currency),
        "currency": offer.currency,
        "lead_time_days": offer.lead_time_days,
        "min_quantity": offer.min_quantity,
        "max_quantity": offer.max_quantity,
        "active": offer.active,
    }


def line_json(line: SellerLine) -> dict[str, Any]:
    return {
        "line_no": line.line_no,
        "sku": line.sku,
        "quantity": line.quantity,
        "status": line.status.value,
        "offer_id": line.offer_id,
        "commission": {
            **line.commission.as_json(),
            "fee": _amount(line.fee_minor, line.currency),
            "fee_tax": _amount(line.fee_tax_minor, line.currency),
        },
        "decided_at": line.decided_at.isoformat() if line.decided_at else None,
        "decided_by": line.decided_by,
        "reason": line.reason,
    }


def sub_order_json(sub: SubOrder, lines: list[SellerLine] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": sub.id,
        "order_id": sub.order_id,
        "seller_id": sub.seller_id,
        "status": sub.status.value,
        "alert_at": sub.alert_at.isoformat(),
        "accept_by": sub.accept_by.isoformat(),
        "ship_by": sub.ship_by.isoformat() if sub.ship_by else None,
        "shipped_at": sub.shipped_at.isoformat() if sub.shipped_at else None,
        "late": sub.late,
        "carrier": sub.carrier,
        "tracking_number": sub.tracking_number,
        "tracking_valid": sub.tracking_valid,
        "rerouted_from": sub.rerouted_from,
    }
    if lines is not None:
        body["lines"] = [line_json(x) for x in lines]
    return body


def entry_json(entry: SellerEntry) -> dict[str, Any]:
    return {
        "kind": entry.kind.value,
        "amount": _amount(entry.amount_minor, entry.currency),
        "amount_minor": entry.amount_minor,
        "currency": entry.currency,
        "order_id": entry.order_id,
        "sub_order_id": entry.sub_order_id,
        "line_no": entry.line_no,
        "cause": entry.cause,
        "actor": entry.actor,
        "reference": entry.reference,
        "at": entry.at.isoformat(),
    }


def payout_json(payout: Payout) -> dict[str, Any]:
    return {
        "id": payout.id,
        "seller_id": payout.seller_id,
        "amount": _amount(payout.amount_minor, payout.currency),
        "amount_minor": payout.amount_minor,
        "currency": payout.currency,
        "cutoff": payout.cutoff.isoformat(),
        "created_at": payout.created_at.isoformat(),
    }


def scorecard_json(card: Scorecard) -> dict[str, Any]:
    return {
        "seller_id": card.seller_id,
        "score": round(card.score(), 4),
        "rates": {k: (None if v is None else round(v, 4)) for k, v in card.rates().items()},
        "counts": dataclasses.asdict(card.counts),
    }


def case_json(case: SellerCase) -> dict[str, Any]:
    return {
        "id": case.id,
        "seller_id": case.seller_id,
        "type": case.type,
        "subject": case.subject,
        "reason": case.reason,
        "details": case.details,
        "status": case.status,
        "created_at": case.created_at.isoformat(),
        "resolved_at": case.resolved_at.isoformat() if case.resolved_at else None,
        "resolved_by": case.resolved_by,
        "resolution": case.resolution,
        "resolution_note": case.resolution_note,
    }


def incident_json(x: Incident) -> dict[str, Any]:
    return {
        "id": x.id,
        "order_id": x.order_id,
        "sub_order_id": x.sub_order_id,
        "seller_id": x.seller_id,
        "reason": x.reason,
        "message": x.message,
        "status": x.status,
        "opened_by": x.opened_by,
        "opened_at": x.opened_at.isoformat(),
        "respond_by": x.respond_by.isoformat(),
        "responded_at": x.responded_at.isoformat() if x.responded_at else None,
        "seller_response": x.seller_response,
        "outcome": x.outcome,
        "lines": x.lines,
        "note": x.note,
    }
