"""Calls from the API into a running order workflow, with its refusals mapped to service errors."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from overture.services.errors import WorkflowRefused

# A just-captured order's workflow starts when the outbox dispatcher reaches it: give it that long.
START_GRACE_S = 10.0


async def update_order_workflow(client: Client, order_id: str, update: Any, argument: Any) -> Any:
    handle = client.get_workflow_handle(order_id)
    deadline = time.monotonic() + START_GRACE_S
    while True:
        try:
            return await handle.execute_update(update, argument)
        except WorkflowUpdateFailedError as error:
            raise WorkflowRefused(str(error.cause) if error.cause else str(error)) from error
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND and time.monotonic() < deadline and not await _exists(handle):
                await asyncio.sleep(0.1)
                continue
            if error.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
                raise WorkflowRefused(f"order {order_id} has no running workflow ({error.message})") from error
            raise


async def _exists(handle: WorkflowHandle[Any, Any]) -> bool:
    """True once the workflow was started, even if it has finished since."""
    try:
        await handle.describe()
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True
