"""A whole hub with access control as shipped (auth required): store, API over HTTP, WMS and ERP
simulators, the order worker. The WMS simulator's shipment webhooks carry a channel key (the way
``overture serve`` wires it, runtime.simulator_key), and the hub's own HTTP client an admin key."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from overture.bootstrap import Container
from overture.domain.access import Role
from overture.runtime import simulator_key
from overture.services.access import create_key
from tests.workflows.hub import Hub, running_hub
from tests.workflows.temporal_fixtures import TemporalEnv


def new_key(container: Container, role: Role, name: str) -> str:
    return create_key(container.uow, container.clock, role=role, name=name).token


@contextmanager
def keyed_hub(temporal_env: TemporalEnv, task_queue: str, container: Container) -> Iterator[Hub]:
    """The running hub on ``container`` (whose settings must require auth); ``hub.http`` sends an admin key."""
    assert container.settings.auth == "required", "keyed_hub is for stores that require keys"
    wms_key = simulator_key(container)
    assert wms_key is not None
    with running_hub(temporal_env.client, task_queue, container, wms_key=wms_key) as hub:
        hub.http.headers["Authorization"] = f"Bearer {new_key(container, Role.ADMIN, 'test-admin')}"
        yield hub
