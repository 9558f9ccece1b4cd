"""The sellers' long waits on Temporal's time-skipping test server (days pass in a second), both
stores: an incident the seller never answers escalates from its workflow's durable 48-hour timer,
though the worker that started it is gone and another takes over; an onboarding review waits for the
operator's decision (past the 14-day reminder, which it notes for the operators) and approves on it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from overture.bootstrap import Container
from overture.domain.marketplace.incidents import ClaimedLine
from overture.domain.marketplace.sellers import SellerStatus
from overture.services.marketplace import incidents, onboarding, sellers, split
from overture.services.marketplace.incidents import ESCALATED_CASE
from overture.services.marketplace.onboarding import OVERDUE
from overture.services.retry import read_only
from overture.workflows.order.sellers.incident import IncidentWorkflow
from overture.workflows.order.sellers.incident_activities import IncidentActivities, incident_activities
from overture.workflows.order.sellers.onboarding import SellerOnboardingWorkflow
from overture.workflows.order.sellers.onboarding_activities import OnboardingActivities, onboarding_activities
from overture.workflows.order.sellers.starter import SellerWorkflows
from overture.workflows.worker import workflow_runner
from tests.services.marketplace.builders import approved_seller, capture, offer
from tests.services.marketplace.test_onboarding import PROFILE
from tests.workflows.test_seller_deadline import _test_server


@asynccontextmanager
async def _worker(env: WorkflowEnvironment, queue: str, container: Container) -> AsyncIterator[Worker]:
    with ThreadPoolExecutor(max_workers=4) as executor:
        worker = Worker(
            env.client,
            task_queue=queue,
            workflows=[SellerOnboardingWorkflow, IncidentWorkflow],
            activities=onboarding_activities(OnboardingActivities(container.uow, container.clock))
            + incident_activities(IncidentActivities(container.uow, container.clock)),
            activity_executor=executor,
            workflow_runner=workflow_runner(),
            # No sticky cache: the next worker rebuilds each workflow from its history, as after a crash.
            max_cached_workflows=0,
        )
        async with worker:
            yield worker


def test_an_unanswered_incident_escalates_from_its_durable_timer(container: Container) -> None:
    approved_seller(container, "quiet")
    offer(container, "quiet", "LAMP", "30.00", 3)
    order_id = capture(container, ("LAMP", 1, "30.00"))
    (sub,) = split.split_order(container.uow, order_id, clock=container.clock)
    incident = incidents.open_incident(
        container.uow,
        order_id,
        sub_order_id=sub,
        reason="not_received",
        message="nothing came",
        lines=[ClaimedLine(1, 1)],
        actor="carla (customer service)",
        clock=container.clock,
    )

    async def scenario() -> str:
        queue = f"sellers-{uuid.uuid4().hex[:8]}"
        async with await WorkflowEnvironment.start_time_skipping(test_server_existing_path=_test_server()) as env:
            starter = SellerWorkflows(env.client, queue)
            handle = env.client.get_workflow_handle(f"incident-{incident.id}")
            async with _worker(env, queue, container):
                await starter.incident_opened(incident.id)
                await starter.incident_opened(incident.id)  # idempotent: the same workflow
                while await handle.query(IncidentWorkflow.status) != "open":
                    await asyncio.sleep(0.05)
            # The first worker is gone with the seller's 48 hours running; the next one resumes the timer.
            async with _worker(env, queue, container):
                # A handle not made by start_workflow does not skip time while it waits: skip it here.
                await env.sleep(timedelta(hours=49))
                status: str = await handle.result()
                return status

    assert asyncio.run(scenario()) == "escalated"
    found = read_only(container.uow, lambda uow: uow.marketplace.incident(incident.id))
    assert found is not None and found.status == "escalated" and found.responded_at is None
    (case,) = read_only(container.uow, lambda uow: uow.marketplace.cases(seller_id="quiet", kind=ESCALATED_CASE))
    assert case.subject == incident.id and case.reason.startswith("the seller did not answer by")


def test_onboarding_waits_for_the_operators_decision_and_approves_on_it(container: Container) -> None:
    sellers.register(container.uow, "risky", "Risky Ltd", actor="test", clock=container.clock)
    onboarding.save_rules(container.uow, {"flagged_sellers": ["risky"]}, actor="olga", clock=container.clock)
    onboarding.submit(container.uow, "risky", PROFILE, actor="seller risky", clock=container.clock)

    def open_case() -> str:
        return onboarding.state(container.uow, "risky").case_id

    async def scenario() -> str:
        queue = f"sellers-{uuid.uuid4().hex[:8]}"
        async with await WorkflowEnvironment.start_time_skipping(test_server_existing_path=_test_server()) as env:
            starter = SellerWorkflows(env.client, queue)
            handle = env.client.get_workflow_handle("onboarding-risky")
            async with _worker(env, queue, container):
                await starter.submitted("risky")
                while not open_case():  # the workflow assessed it: a person must look
                    await asyncio.sleep(0.05)
                await env.sleep(timedelta(days=15))  # no decision for 15 days: past the 14-day reminder
                while not read_only(container.uow, lambda uow: uow.marketplace.cases(seller_id="risky", kind=OVERDUE)):
                    await asyncio.sleep(0.05)
                assert await handle.query(SellerOnboardingWorkflow.status) == "ready_for_review"  # still waiting
                onboarding.decide(
                    container.uow,
                    open_case(),
                    action="override",
                    actor="olga (operator)",
                    note="documents verified",
                    clock=container.clock,
                )
                await starter.nudge_onboarding("risky")
                status: str = await handle.result()
                return status

    assert asyncio.run(scenario()) == "approved"
    assert read_only(container.uow, lambda uow: sellers.get(uow, "risky")).status is SellerStatus.APPROVED
    assert read_only(container.uow, lambda uow: uow.marketplace.cases(seller_id="risky", kind=OVERDUE)) == []
