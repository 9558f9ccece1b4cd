"""Activities of SellerOnboardingWorkflow: store work only (local activities), each safe to repeat
(services/marketplace/onboarding.py: a review opens its case once, a reminder once per open case)."""

# No ``from __future__ import annotations``: these dataclasses cross the workflow boundary (see
# workflows/order/shared.py for why their annotations are real).

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from temporalio import activity

from overture.services.marketplace import onboarding
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import read_only


@dataclass(frozen=True)
class OnboardingInput:
    seller_id: str
    recheck_s: float = 86_400.0  # a lost nudge (a submission) is looked for this often


@dataclass(frozen=True)
class OnboardingState:
    seller_id: str
    status: str
    case_id: str = ""  # the open onboarding_review case
    case_opened_at: str = ""  # ISO 8601, UTC
    reminder_days: float = 14.0  # the operator's rule, read with the state so a change applies at once


@dataclass(frozen=True)
class ReminderArgs:
    case_id: str
    waited_days: float


@dataclass
class OnboardingActivities:
    uow_factory: UnitOfWorkFactory
    clock: Clock

    @activity.defn
    def onboarding_state(self, seller_id: str) -> OnboardingState:
        return read_only(self.uow_factory, lambda uow: _state(uow, onboarding.review_of(uow, seller_id)))

    @activity.defn
    def review_onboarding(self, seller_id: str) -> OnboardingState:
        """Approve by the risk rules, or open the review case (once)."""
        review = onboarding.review(self.uow_factory, seller_id, clock=self.clock)
        return read_only(self.uow_factory, lambda uow: _state(uow, review))

    @activity.defn
    def remind_onboarding(self, args: ReminderArgs) -> bool:
        return onboarding.remind(self.uow_factory, args.case_id, waited_days=args.waited_days, clock=self.clock)


def _state(uow: UnitOfWork, review: onboarding.Review) -> OnboardingState:
    opened = review.case_opened_at.isoformat() if review.case_opened_at else ""
    days = float(onboarding.load_rules(uow).decision_reminder_days)
    return OnboardingState(review.seller_id, review.status.value, review.case_id, opened, days)


def onboarding_activities(activities: OnboardingActivities) -> list[Callable[..., Any]]:
    a = activities
    return [a.onboarding_state, a.review_onboarding, a.remind_onboarding]
