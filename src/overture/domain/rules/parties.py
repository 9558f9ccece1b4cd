"""Rules on who orders and how they pay: duplicates, credit limit, payment terms."""

from __future__ import annotations

from typing import Any

from overture.domain.rules.model import Finding, OrderFacts, PriorOrder, RuleSettings

# What a storefront's financial status must say for a card order to ship: money taken or held.
PAID_STATUSES = frozenset({"paid", "authorized", "partially_refunded"})


# ---- duplicate_order -----------------------------------------------------------------------


def _same_customer(facts: OrderFacts, prior: PriorOrder) -> bool:
    if facts.partner_id is not None:
        return prior.partner_id == facts.partner_id
    # Without an account, the customer's reference is all that ties two orders to one buyer; two
    # anonymous orders sharing "1001" on two storefronts are a coincidence, not a duplicate.
    return bool(facts.customer_reference) and prior.customer_reference == facts.customer_reference


def _duplicates(facts: OrderFacts, settings: RuleSettings) -> list[PriorOrder]:
    matchable = {"external_id", *settings.reference_kinds}
    return [p for p in facts.prior_orders or () if p.matched_on in matchable and _same_customer(facts, p)]


def duplicate_order(facts: OrderFacts, settings: RuleSettings) -> Finding | None:
    """The same customer's order must not arrive twice, through this channel or another one
    (same external id, or the same buyer's PO number under ``reference_kinds``)."""
    found = _duplicates(facts, settings)
    if not found:
        return None
    described = [f"{p.order_id} ({p.channel} {p.external_id}, same {p.matched_on})" for p in found]
    details = {"duplicates": [_prior(p) for p in found]}
    return Finding(f"already captured as {'; '.join(described)}", details)


def _prior(p: PriorOrder) -> dict[str, Any]:
    return {"order_id": p.order_id, "channel": p.channel, "external_id": p.external_id, "matched_on": p.matched_on}


def duplicate_inputs(facts: OrderFacts, settings: RuleSettings) -> dict[str, Any]:
    kinds = settings.reference_kinds
    return {
        "external_id": facts.external_id,
        "identifiers": [{"kind": k, "value": v} for k, v in facts.identifiers if k in kinds],
        "customer_reference": facts.customer_reference,
        "partner_id": facts.partner_id,
        "candidates": [_prior(p) for p in facts.prior_orders or ()],
    }


# ---- credit_limit --------------------------------------------------------------------------


def credit_limit(facts: OrderFacts, settings: RuleSettings) -> Finding | None:
    """An order on account must keep the account's open orders within ``credit_limit``.

    Card orders are paid at checkout, so the limit does not apply to them. The limit is read in
    the order's currency; open orders in other currencies are not counted.
    """
    limit, open_total = settings.credit_limit, facts.open_orders_total
    if not facts.on_account or limit is None or open_total is None:
        return None
    exposure = open_total + facts.total
    if exposure <= limit:
        return None
    reason = (
        f"account {facts.partner_id} would have {exposure} {facts.currency} in open orders with this one, "
        f"over its credit limit of {limit}"
    )
    details = {"credit_limit": str(limit), "open_orders_total": str(open_total), "order_total": str(facts.total)}
    return Finding(reason, {**details, "exposure": str(exposure), "currency": facts.currency})


def credit_inputs(facts: OrderFacts, settings: RuleSettings) -> dict[str, Any]:
    return {
        "on_account": facts.on_account,
        "partner_id": facts.partner_id,
        "credit_limit": None if settings.credit_limit is None else str(settings.credit_limit),
        "open_orders_total": None if facts.open_orders_total is None else str(facts.open_orders_total),
        "order_total": str(facts.total),
        "currency": facts.currency,
    }


# ---- payment_terms -------------------------------------------------------------------------


def payment_terms(facts: OrderFacts, settings: RuleSettings) -> Finding | None:
    """An order is paid at checkout or bought on terms: an order on account needs an account
    granted ``terms_days``; a card order the channel reports unpaid (pending, voided, ...) waits."""
    if facts.on_account:
        if settings.terms_days is not None and settings.terms_days > 0:
            return None
        reason = f"account {facts.partner_id} has no payment terms, so it cannot buy on account"
        return Finding(reason, {"partner_id": facts.partner_id, "terms_days": settings.terms_days})
    status = facts.payment_status
    if status is None or status in PAID_STATUSES:
        return None
    return Finding(f"not paid at checkout: the channel reports the payment as {status!r}", {"payment_status": status})


def terms_inputs(facts: OrderFacts, settings: RuleSettings) -> dict[str, Any]:
    return {
        "on_account": facts.on_account,
        "partner_id": facts.partner_id,
        "terms_days": settings.terms_days,
        "payment_status": facts.payment_status,
    }
