"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from overture.bootstrap import Container
from overture.services.errors import EngineUnavailable
from overture.services.ports.order_workflow import (
    CancelOutcome,
    CancelRequest,
    EditOutcome,
    EditRequest,
    OrderWorkflowGateway,
    Resolution,
    ShipmentPing,
)
from overture.workflows.order.starter import OrderWorkflows

NO_ENGINE = "the workflow engine is not connected to this API process"


# The dependencies are coroutines though they only read app state: FastAPI runs a plain function
# dependency on its thread pool, a thread hand-off on every request for one attribute read.
async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def order_workflows_of(request: Request) -> OrderWorkflows:
    workflows: OrderWorkflows | None = getattr(request.app.state, "order_workflows", None)
    if workflows is None:
        raise EngineUnavailable(NO_ENGINE)
    return workflows


class _NoEngine:
    """The gateway of a process without the workflow engine: each call is refused, saying so. Handed
    to use cases instead of failing up front, so what they check first (an unknown SKU in an edit, a
    status too late to cancel) is still refused for its own reason."""

    async def resolve(self, order_id: str, resolution: Resolution) -> None:
        raise EngineUnavailable(NO_ENGINE)

    async def cancel(self, order_id: str, request: CancelRequest) -> CancelOutcome:
        raise EngineUnavailable(NO_ENGINE)

    async def edit(self, order_id: str, request: EditRequest) -> EditOutcome:
        raise EngineUnavailable(NO_ENGINE)

    async def shipment_recorded(self, order_id: str, ping: ShipmentPing) -> None:
        raise EngineUnavailable(NO_ENGINE)

    async def nudge_sub_order(self, sub_order_id: str) -> None:
        return None  # the answer is in the store; an engine started later reads it there


def workflow_gateway(request: Request) -> OrderWorkflowGateway:
    """The order workflows, or a gateway refusing every call when this process has no engine."""
    workflows: OrderWorkflowGateway | None = getattr(request.app.state, "order_workflows", None)
    return _NoEngine() if workflows is None else workflows


async def get_order_workflows(request: Request) -> OrderWorkflows:
    return order_workflows_of(request)


OrderWorkflowsDep = Annotated[OrderWorkflows, Depends(get_order_workflows)]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
After = Annotated[str | None, Query(description="Return items older than this id (keyset pagination)")]
