"""Temporal fixtures: one dev server for the whole session, started the way ``overture serve`` starts it.

Registered from tests/conftest.py with ``pytest_plugins = ["tests.workflows.temporal_fixtures"]``.

Tests stay synchronous and drive async code with ``asyncio.run(...)`` (pytest-asyncio is not a
dependency). The session's client is connected once, in a short-lived loop; a connected
temporalio (1.35) client may be used from any event loop afterwards, which the workflow tests
exercise on every run. Workers, handles and other async objects belong to the loop of the
test that creates them: make them inside the coroutine you pass to ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.worker import PollerBehaviorSimpleMaximum, Worker

from overture.workflows.dev_server import DevServer, DevServerOptions
from overture.workflows.engine import connect_client
from overture.workflows.engine_host import TemporalCLINotFound, temporal_cli_path

# Worker settings measured in /work/shared/temporal-notes.md: the default pollers starve a busy worker.
WORKER_TUNING: dict[str, Any] = {
    "workflow_task_poller_behavior": PollerBehaviorSimpleMaximum(maximum=10),
    "activity_task_poller_behavior": PollerBehaviorSimpleMaximum(maximum=10),
    "max_cached_workflows": 2000,
    "max_concurrent_workflow_tasks": 200,
    "max_concurrent_activities": 200,
    "max_concurrent_local_activities": 200,
}


@dataclass
class TemporalEnv:
    """The session's dev server and a client connected to it."""

    server: DevServer
    client: Client

    @property
    def address(self) -> str:
        return self.server.address


def make_worker(
    client: Client, task_queue: str, *, workflows: Sequence[type] = (), activities: Sequence[Any] = (), **options: Any
) -> Worker:
    """A worker with the measured tuning; call it inside the test's running event loop."""
    return Worker(
        client, task_queue=task_queue, workflows=workflows, activities=activities, **{**WORKER_TUNING, **options}
    )


@pytest.fixture(scope="session")
def temporal_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalEnv]:
    """One ``temporal server start-dev`` for the session, on a free loopback port and its own SQLite file."""
    try:
        temporal_cli_path()
    except TemporalCLINotFound as error:
        pytest.skip(f"Temporal tests skipped: {error}")
    server = DevServer(DevServerOptions(db_file=tmp_path_factory.mktemp("temporal") / "temporal.db"))
    server.start(timeout_s=60)
    try:
        client = asyncio.run(connect_client(server.address, timeout_s=30))
        yield TemporalEnv(server=server, client=client)
    finally:
        server.stop()


@pytest.fixture
def task_queue(request: pytest.FixtureRequest) -> str:
    """A task queue no other test uses, named after the test for readable server-side histories."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)[:60]
    return f"{name}-{uuid.uuid4().hex[:12]}"
