"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from temporalio.client import Client

from overture.bootstrap import Container
from overture.services.errors import EngineUnavailable


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_temporal(request: Request) -> Client:
    client: Client | None = getattr(request.app.state, "temporal", None)
    if client is None:
        raise EngineUnavailable("the workflow engine is not connected to this API process")
    return client


TemporalDep = Annotated[Client, Depends(get_temporal)]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
After = Annotated[str | None, Query(description="Return items older than this id (keyset pagination)")]
