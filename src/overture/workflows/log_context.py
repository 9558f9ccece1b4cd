"""A worker interceptor that puts each activity's order and workflow ids in the log context.

Activities run outside workflow code, so this is where ids can be bound without touching the
deterministic workflow: every line an activity logs (and the store, connectors and services log
below it) then carries ``order_id``, ``workflow_id``, ``workflow_run_id`` and ``activity``.
The SDK copies the context into the thread of a synchronous activity, so binding here covers both kinds.
"""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from overture.observability import logs

ORDER_WORKFLOW = "OrderWorkflow"


class _BindActivityContext(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:  # noqa: A002 (the SDK's name)
        info = activity.info()
        # An order's workflow id is its order id (see workflows/dispatcher.py).
        order_id = info.workflow_id if info.workflow_type == ORDER_WORKFLOW else None
        with logs.bound(
            order_id=order_id,
            workflow_id=info.workflow_id,
            workflow_run_id=info.workflow_run_id,
            activity=info.activity_type,
        ):
            return await super().execute_activity(input)


class LogContextInterceptor(Interceptor):
    """Pass to ``Worker(interceptors=[...])``."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:  # noqa: A002
        return _BindActivityContext(next)
