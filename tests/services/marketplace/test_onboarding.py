"""Seller onboarding through the services, on SQLite and PostgreSQL: submissions moving a seller to
review, automatic approval of a low-risk seller, a review case for a risky one decided by an operator
(approve, reject, ask for more), the reminder on a case left waiting, every move with who and why."""

from __future__ import annotations

from typing import Any

import pytest

from overture.bootstrap import Container
from overture.domain.marketplace.sellers import SellerStatus
from overture.services import changes
from overture.services.errors import InvalidRequest
from overture.services.marketplace import onboarding, sellers
from overture.services.marketplace.onboarding import OVERDUE, REVIEW, OnboardingRefused
from overture.services.retry import read_only

PROFILE: dict[str, Any] = {
    "company_name": "Acme Goods LLC",
    "tax_id": "12-3456789",
    "return_address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"},
    "bank_account_ref": "acct_1NXa2k",
    "documents": [
        {"name": "articles.pdf", "kind": "business_registration"},
        {"name": "statement.pdf", "kind": "bank_statement"},
    ],
    "attestation": True,
}


def _registered(container: Container, seller_id: str) -> None:
    sellers.register(container.uow, seller_id, f"Seller {seller_id}", actor="test", clock=container.clock)


def _submit(container: Container, seller_id: str, **given: Any) -> onboarding.Submission:
    return onboarding.submit(container.uow, seller_id, given, actor=f"seller {seller_id}", clock=container.clock)


def _status(container: Container, seller_id: str) -> SellerStatus:
    return read_only(container.uow, lambda uow: sellers.get(uow, seller_id)).status


def _moves(container: Container, seller_id: str) -> list[tuple[str, str, str]]:
    found = changes.recent(container.uow, subject=f"seller:{seller_id}")
    return [
        (c.actor, c.detail["after"]["status"], c.detail["after"]["note"])
        for c in reversed(found)
        if c.action == "seller.status"
    ]


def test_a_low_risk_seller_is_approved_on_its_own(container: Container) -> None:
    _registered(container, "acme")
    first = _submit(container, "acme", company_name="Acme Goods LLC", tax_id="12-3456789")
    assert first.seller.status is SellerStatus.ONBOARDING
    assert first.missing == ["return_address", "bank_account_ref", "documents", "attestation"]
    rest = {k: v for k, v in PROFILE.items() if k not in ("company_name", "tax_id")}
    assert _submit(container, "acme", **rest).seller.status is SellerStatus.READY_FOR_REVIEW
    review = onboarding.review(container.uow, "acme", clock=container.clock)
    assert review.status is SellerStatus.APPROVED and review.case_id == ""
    assert onboarding.review(container.uow, "acme", clock=container.clock).status is SellerStatus.APPROVED  # again
    assert _moves(container, "acme") == [
        ("seller acme", "onboarding", "first onboarding submission"),
        ("seller acme", "ready_for_review", "every requirement given"),
        ("system:onboarding", "approved", "every onboarding check passed and the risk rules approve it"),
    ]
    with pytest.raises(OnboardingRefused):  # decided: nothing more to submit
        _submit(container, "acme", company_name="Other")


def test_a_risky_seller_gets_a_case_which_an_operator_approves(container: Container) -> None:
    _registered(container, "shady")
    onboarding.save_rules(container.uow, {"flagged_sellers": ["shady"]}, actor="olga", clock=container.clock)
    _submit(container, "shady", **PROFILE | {"bank_account_ref": "DE00370400440532013000"})
    review = onboarding.review(container.uow, "shady", clock=container.clock)
    assert review.status is SellerStatus.READY_FOR_REVIEW and review.case_id
    again = onboarding.review(container.uow, "shady", clock=container.clock)
    assert again.case_id == review.case_id  # one case, however often asked
    case = read_only(container.uow, lambda uow: uow.marketplace.case(review.case_id))
    assert case is not None and case.type == REVIEW
    assert case.details["reasons"] == [
        "bank_account_ref: an IBAN whose check digits or length are wrong",
        "the seller is flagged",
    ]
    assert {c["name"]: c["passed"] for c in case.details["checks"]}["tax_id"] is True
    with pytest.raises(OnboardingRefused):  # under review: the reviewer asks for more first
        _submit(container, "shady", company_name="Shady Ltd")
    decided = onboarding.decide(
        container.uow,
        review.case_id,
        action="override",
        actor="olga (operator)",
        note="called them",
        clock=container.clock,
    )
    assert (decided.status, decided.resolution, decided.resolved_by) == ("resolved", "override", "olga (operator)")
    assert _status(container, "shady") is SellerStatus.APPROVED
    assert _moves(container, "shady")[-1] == ("olga (operator)", "approved", "approved on review: called them")
    with pytest.raises(OnboardingRefused):
        onboarding.decide(container.uow, review.case_id, action="confirm", actor="x", note="y", clock=container.clock)


def test_the_reviewer_asks_for_more_then_rejects(container: Container) -> None:
    _registered(container, "far")
    abroad = {"line1": "1 Rd", "city": "Lagos", "postal_code": "100001", "country": "NG"}
    _submit(container, "far", **PROFILE | {"tax_id": "TIN-1", "return_address": abroad})
    first = onboarding.review(container.uow, "far", clock=container.clock)
    assert onboarding.remind(container.uow, first.case_id, waited_days=14.0, clock=container.clock)
    assert onboarding.remind(container.uow, first.case_id, waited_days=28.0, clock=container.clock)
    reminders = read_only(container.uow, lambda uow: uow.marketplace.cases(seller_id="far", kind=OVERDUE))
    assert [(r.subject, r.details["waited_days"]) for r in reminders] == [(first.case_id, 14.0)]  # one open at a time
    onboarding.decide(
        container.uow, first.case_id, action="more", actor="olga", note="a utility bill", clock=container.clock
    )
    assert _status(container, "far") is SellerStatus.ONBOARDING
    assert read_only(container.uow, lambda uow: uow.marketplace.cases(seller_id="far", kind=OVERDUE)) == []
    assert not onboarding.remind(container.uow, first.case_id, waited_days=42.0, clock=container.clock)
    docs = [*PROFILE["documents"], {"name": "bill.pdf", "kind": "id_document"}]
    assert _submit(container, "far", documents=docs).seller.status is SellerStatus.READY_FOR_REVIEW
    second = onboarding.review(container.uow, "far", clock=container.clock)
    assert second.case_id and second.case_id != first.case_id
    onboarding.decide(
        container.uow, second.case_id, action="confirm", actor="olga", note="not verifiable", clock=container.clock
    )
    assert _status(container, "far") is SellerStatus.REJECTED
    assert [m[1] for m in _moves(container, "far")] == [
        "onboarding",
        "ready_for_review",
        "onboarding",
        "ready_for_review",
        "rejected",
    ]


def test_rules_are_checked_and_kept(container: Container) -> None:
    with pytest.raises(InvalidRequest):
        onboarding.save_rules(container.uow, {"decision_reminder_days": 0}, actor="olga", clock=container.clock)
    with pytest.raises(InvalidRequest):
        onboarding.save_rules(container.uow, {"colour": "red"}, actor="olga", clock=container.clock)
    saved = onboarding.save_rules(
        container.uow, {"allowed_countries": ["us"], "decision_reminder_days": 3}, actor="olga", clock=container.clock
    )
    assert saved.allowed_countries == ("US",)
    assert read_only(container.uow, onboarding.load_rules) == saved
