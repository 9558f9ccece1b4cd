"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from overture.bootstrap import Container
from overture.services.errors import EngineUnavailable
from overture.workflows.order.starter import OrderWorkflows


# The dependencies are coroutines though they only read app state: FastAPI runs a plain function
# dependency on its thread pool, a thread hand-off on every request for one attribute read.
async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def order_workflows_of(request: Request) -> OrderWorkflows:
    workflows: OrderWorkflows | None = getattr(request.app.state, "order_workflows", None)
    if workflows is None:
        raise EngineUnavailable("the workflow engine is not connected to this API process")
    return workflows


async def get_order_workflows(request: Request) -> OrderWorkflows:
    return order_workflows_of(request)


OrderWorkflowsDep = Annotated[OrderWorkflows, Depends(get_order_workflows)]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
After = Annotated[str | None, Query(description="Return items older than this id (keyset pagination)")]
