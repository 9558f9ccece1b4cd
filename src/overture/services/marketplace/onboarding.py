"""Seller onboarding: a seller (or an operator for it) submits its requirements; once nothing is
missing the automatic checks and the operator's risk rules either approve it or open an
``onboarding_review`` case, which an operator decides. The durable part (waiting days for that
decision, reminding) is SellerOnboardingWorkflow's (workflows/order/sellers/onboarding.py); every step
here is safe to repeat, so the workflow may call it again after a crash.

Decisions on a review case: ``override`` (the checks' doubts overridden) approves, ``confirm`` (the
doubts confirmed) rejects, ``more`` sends the seller back to onboarding for what the reviewer asks.
Every move goes through ``sellers.move`` (who and why in the change log)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from overture.domain.ids import new_id
from overture.domain.marketplace.onboarding import Assessment, RiskRules, assess
from overture.domain.marketplace.sellers import REQUIREMENTS, Seller, SellerStatus, missing_requirements
from overture.services import changes
from overture.services.errors import ActionRefused, ErrorCode, InvalidRequest, NotFound
from overture.services.marketplace.sellers import get, move
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.marketplace import SellerCase
from overture.services.retry import in_transaction, read_only

REVIEW = "onboarding_review"
OVERDUE = "onboarding_overdue"
SUBJECT = "onboarding"
SETTINGS_KEY = "onboarding"
SYSTEM = "system:onboarding"
DECISIONS = {"override": SellerStatus.APPROVED, "confirm": SellerStatus.REJECTED, "more": SellerStatus.ONBOARDING}
OPEN_TO_SUBMIT = frozenset({SellerStatus.PENDING, SellerStatus.ONBOARDING})


class OnboardingRefused(ActionRefused):
    """A submission or decision the seller's status (or the case's) does not allow."""


# ---- the operator's risk rules ------------------------------------------------------------------
def load_rules(uow: UnitOfWork) -> RiskRules:
    stored = uow.marketplace.setting(SETTINGS_KEY)
    return parse_rules(stored) if isinstance(stored, dict) else RiskRules()


def parse_rules(data: Mapping[str, Any]) -> RiskRules:
    """Rules from JSON; what is not given keeps its default. InvalidRequest names a bad field."""
    known = {f.name: f for f in fields(RiskRules)}
    changed: dict[str, Any] = {}
    for name, value in data.items():
        if name not in known:
            raise InvalidRequest(name, "not an onboarding rule", ErrorCode.UNKNOWN_FIELD)
        if name == "auto_approve":
            if not isinstance(value, bool):
                raise InvalidRequest(name, "true or false", ErrorCode.WRONG_TYPE)
            changed[name] = value
        elif name == "decision_reminder_days":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 365:
                raise InvalidRequest(name, "a whole number of days, 1 to 365", ErrorCode.OUT_OF_RANGE)
            changed[name] = value
        elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidRequest(name, "a list of strings", ErrorCode.WRONG_TYPE)
        else:
            changed[name] = tuple(v.upper() if name == "allowed_countries" else v for v in value)
    return replace(RiskRules(), **changed)


def rules_json(rules: RiskRules) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(rules).items()}


def save_rules(uow_factory: UnitOfWorkFactory, data: Mapping[str, Any], *, actor: str, clock: Clock) -> RiskRules:
    rules = parse_rules(data)

    def work(uow: UnitOfWork) -> RiskRules:
        at, before = clock(), load_rules(uow)
        stored = rules_json(rules)
        uow.marketplace.save_setting(SETTINGS_KEY, stored, at)
        changes.record(
            uow, at, actor, "marketplace.onboarding_rules", SETTINGS_KEY, before=rules_json(before), after=stored
        )
        return rules

    return in_transaction(uow_factory, work)


# ---- submissions --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Submission:
    seller: Seller
    missing: list[str]


def submit(
    uow_factory: UnitOfWorkFactory, seller_id: str, requirements: Mapping[str, Any], *, actor: str, clock: Clock
) -> Submission:
    """Keep what was submitted in the seller's profile; pending -> onboarding on the first submission,
    -> ready_for_review once nothing is missing. Refused once the seller is under review or decided."""
    unknown = sorted(set(requirements) - set(REQUIREMENTS))
    if unknown:
        raise InvalidRequest(unknown[0], "not an onboarding requirement", ErrorCode.UNKNOWN_FIELD)

    def work(uow: UnitOfWork) -> Submission:
        seller, at = get(uow, seller_id), clock()
        if seller.status not in OPEN_TO_SUBMIT:
            raise OnboardingRefused(f"seller {seller_id} is {seller.status}: nothing to submit now")
        profile = {**seller.profile, **requirements}
        uow.marketplace.update_seller(seller_id, at, profile=profile)
        # The names only: a tax id or bank reference does not belong in the change log.
        changes.record(
            uow, at, actor, "seller.onboarding_submitted", f"seller:{seller_id}", fields=sorted(requirements)
        )
        if seller.status is SellerStatus.PENDING:
            move(uow, seller_id, SellerStatus.ONBOARDING, actor=actor, note="first onboarding submission", at=at)
        missing = missing_requirements(profile)
        if not missing:
            move(uow, seller_id, SellerStatus.READY_FOR_REVIEW, actor=actor, note="every requirement given", at=at)
        return Submission(get(uow, seller_id), missing)

    return in_transaction(uow_factory, work)


# ---- review -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Review:
    """Where a seller's onboarding stands, for the workflow: its status and its open review case."""

    seller_id: str
    status: SellerStatus
    case_id: str = ""
    case_opened_at: datetime | None = None


def review_of(uow: UnitOfWork, seller_id: str) -> Review:
    seller = get(uow, seller_id)
    open_cases = uow.marketplace.cases(seller_id=seller_id, status="open", kind=REVIEW)
    if not open_cases:
        return Review(seller_id, seller.status)
    case = open_cases[-1]
    return Review(seller_id, seller.status, case.id, case.created_at)


def review(uow_factory: UnitOfWorkFactory, seller_id: str, *, clock: Clock) -> Review:
    """Assess a seller ready for review: approve it when the rules allow, else open (once) the review
    case with every check and reason. A seller not ready, or with its case open, is left as it is."""

    def work(uow: UnitOfWork) -> Review:
        now = review_of(uow, seller_id)
        if now.status is not SellerStatus.READY_FOR_REVIEW or now.case_id:
            return now
        at = clock()
        found = assess(seller_id, get(uow, seller_id).profile, load_rules(uow))
        if found.auto_approve:
            note = "every onboarding check passed and the risk rules approve it"
            move(uow, seller_id, SellerStatus.APPROVED, actor=SYSTEM, note=note, at=at)
        else:
            uow.marketplace.add_case(_review_case(seller_id, found, at))
        return review_of(uow, seller_id)

    return in_transaction(uow_factory, work)


def _review_case(seller_id: str, found: Assessment, at: datetime) -> SellerCase:
    details = {
        "checks": [{"name": c.name, "passed": c.passed, "reason": c.reason} for c in found.checks],
        "reasons": list(found.reasons),
    }
    reason = "needs a person: " + "; ".join(found.reasons)
    return SellerCase(new_id("sc"), seller_id, REVIEW, SUBJECT, reason[:2000], at, details)


def decide(
    uow_factory: UnitOfWorkFactory, case_id: str, *, action: str, actor: str, note: str, clock: Clock
) -> SellerCase:
    """An operator's decision on a review case: ``override`` approves, ``confirm`` rejects, ``more``
    sends the seller back to onboarding. The case keeps who and why; so does the seller's move."""
    if action not in DECISIONS:
        raise InvalidRequest("action", "override, confirm or more", ErrorCode.INVALID_VALUE)
    if not note.strip():
        raise InvalidRequest("note", "say why (it is kept with the decision)", ErrorCode.REQUIRED)

    def work(uow: UnitOfWork) -> SellerCase:
        case = uow.marketplace.case(case_id)
        if case is None or case.type != REVIEW:
            raise NotFound(f"no onboarding review case {case_id!r}")
        at = clock()
        if not uow.marketplace.resolve_case(case_id, action, actor, note, at):
            raise OnboardingRefused(f"case {case_id} is already decided")
        for reminder in uow.marketplace.cases(seller_id=case.seller_id, status="open", kind=OVERDUE):
            if reminder.subject == case_id:
                uow.marketplace.resolve_case(reminder.id, "decided", actor, f"case {case_id}: {action}", at)
        words = {"override": "approved on review", "confirm": "rejected on review", "more": "reviewer asks for more"}
        move(uow, case.seller_id, DECISIONS[action], actor=actor, note=f"{words[action]}: {note}", at=at)
        decided = uow.marketplace.case(case_id)
        assert decided is not None
        return decided

    return in_transaction(uow_factory, work)


def remind(uow_factory: UnitOfWorkFactory, case_id: str, *, waited_days: float, clock: Clock) -> bool:
    """A review case waiting past the reminder period: an ``onboarding_overdue`` case in the operators'
    queue (once while it is open) and a change-log line each time; False if the case was decided."""

    def work(uow: UnitOfWork) -> bool:
        case = uow.marketplace.case(case_id)
        if case is None or case.status != "open":
            return False
        at, days = clock(), round(waited_days, 1)
        reason = f"onboarding review {case_id} has waited {days} days for a decision"
        details = {"review_case": case_id, "waited_days": days}
        uow.marketplace.add_case(SellerCase(new_id("sc"), case.seller_id, OVERDUE, case_id, reason, at, details))
        changes.record(uow, at, SYSTEM, "seller.onboarding_reminder", f"seller:{case.seller_id}", **details)
        return True

    return in_transaction(uow_factory, work)


def state(uow_factory: UnitOfWorkFactory, seller_id: str) -> Review:
    return read_only(uow_factory, lambda uow: review_of(uow, seller_id))
