"""Worker wiring, tuned as ../shared/temporal-notes.md measured on this kind of machine.

The knobs of :func:`build_worker` are measured by ``benchmarks/bench_orchestration.py``
(see benchmarks/README.md); their defaults are the settings that bench supports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import PollerBehaviorSimpleMaximum, UnsandboxedWorkflowRunner, Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from overture.workflows.log_context import LogContextInterceptor
from overture.workflows.order.activities import OrderActivities
from overture.workflows.order.sellers.activities import MarketplaceActivities
from overture.workflows.order.sellers.incident import IncidentWorkflow
from overture.workflows.order.sellers.incident_activities import IncidentActivities, incident_activities
from overture.workflows.order.sellers.onboarding import SellerOnboardingWorkflow
from overture.workflows.order.sellers.onboarding_activities import OnboardingActivities, onboarding_activities
from overture.workflows.order.sellers.workflow import SellerOrderWorkflow
from overture.workflows.order.workflow import OrderWorkflow
from overture.workflows.returns.activities import ReturnActivities, return_activities
from overture.workflows.returns.workflow import ReturnWorkflow

PASSTHROUGH = ("overture",)
"""Our own modules, imported once and shared by every sandboxed run rather than re-imported per run."""


def order_activities(activities: OrderActivities) -> list[Callable[..., Any]]:
    a = activities
    return [
        a.load_plan,
        a.advance,
        a.add_note,
        a.open_exception,
        a.resolve_exception,
        a.place_again,
        a.amend_order,
        a.check_amendment,
        a.cancel_order,
        a.shipped_locations,
        a.add_reference,
        a.erp_create_sales_order,
        a.wms_release,
        a.wms_cancel,
        a.erp_confirm_shipments,
        a.erp_create_invoice,
        a.notify_customer,
        a.authorise_payment,
        a.capture_payment,
        a.reauthorise_payment,
        a.void_payment,
    ]


def marketplace_activities(activities: MarketplaceActivities) -> list[Callable[..., Any]]:
    a = activities
    return [
        a.is_marketplace,
        a.split_order,
        a.sub_order_state,
        a.alert_seller,
        a.auto_refuse,
        a.raise_late,
        a.close_late,
        a.cancel_sub_orders,
        a.review_seller,
    ]


def workflow_runner(*, sandboxed: bool = True, passthrough: Sequence[str] = PASSTHROUGH) -> WorkflowRunner:
    """The sandbox (it guards determinism) with ``passthrough`` modules shared, or no sandbox at all."""
    if not sandboxed:
        return UnsandboxedWorkflowRunner()
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*passthrough))


@dataclass(frozen=True)
class WorkerTuning:
    """How a worker runs, apart from what it runs. ``bench_orchestration.py`` measures each knob.

    ``sandboxed`` is on here, the safe default every test runs under: the sandbox catches workflow
    code that is not deterministic. ``overture serve``/``worker`` take theirs from ``Settings``
    (``OVERTURE_WORKFLOW_SANDBOX``), which turns it off: the workflow code is proven under the
    sandbox by the suite, and without it a worker does about a quarter more orders per core."""

    max_concurrent: int = 200
    sandboxed: bool = True
    max_cached_workflows: int = 5000
    pollers: int = 10
    max_local_activities: int | None = None  # None: max_concurrent
    # On shutdown (SIGTERM): how long activities in flight may run on before they are cancelled.
    graceful_shutdown_s: float = 30.0


DEFAULT_TUNING = WorkerTuning()


def worker_options(
    tuning: WorkerTuning = DEFAULT_TUNING, *, passthrough: Sequence[str] = PASSTHROUGH
) -> dict[str, Any]:
    """Keyword arguments for :class:`temporalio.worker.Worker`: the tuning, apart from what it runs.

    Shared with the benchmark's bare-Temporal baseline, so both sides run with the same settings.
    """
    return {
        "workflow_runner": workflow_runner(sandboxed=tuning.sandboxed, passthrough=passthrough),
        # The default of few pollers starves a busy worker (temporal-notes.md).
        "workflow_task_poller_behavior": PollerBehaviorSimpleMaximum(maximum=tuning.pollers),
        "activity_task_poller_behavior": PollerBehaviorSimpleMaximum(maximum=tuning.pollers),
        "max_cached_workflows": tuning.max_cached_workflows,
        "max_concurrent_workflow_tasks": tuning.max_concurrent,
        "max_concurrent_activities": tuning.max_concurrent,
        "max_concurrent_local_activities": tuning.max_local_activities or tuning.max_concurrent,
        "graceful_shutdown_timeout": timedelta(seconds=tuning.graceful_shutdown_s),
    }


def build_worker(
    client: Client,
    *,
    task_queue: str,
    activities: OrderActivities,
    executor: ThreadPoolExecutor,
    tuning: WorkerTuning = DEFAULT_TUNING,
    returns: ReturnActivities | None = None,
) -> Worker:
    """A worker for OrderWorkflow with its sellers' SellerOrderWorkflow (and ReturnWorkflow, given its
    activities). Under the sandbox our own pure modules are passed through, so they are imported once,
    not per workflow run."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[OrderWorkflow, SellerOrderWorkflow, SellerOnboardingWorkflow, IncidentWorkflow]
        + ([] if returns is None else [ReturnWorkflow]),
        activities=order_activities(activities)
        + marketplace_activities(MarketplaceActivities(activities.uow_factory, activities.clock))
        + onboarding_activities(OnboardingActivities(activities.uow_factory, activities.clock))
        + incident_activities(IncidentActivities(activities.uow_factory, activities.clock))
        + ([] if returns is None else return_activities(returns)),
        activity_executor=executor,
        # Every activity logs with its order and workflow ids (outside the deterministic workflow code).
        interceptors=[LogContextInterceptor()],
        **worker_options(tuning),
    )
