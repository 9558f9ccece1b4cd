"""Fixtures for workflow tests: a complete hub per test on a fresh task queue, on each store.

The hub runs every test once on SQLite and once on PostgreSQL (``database_url``): the two drivers
differ in ways only a run on each shows (an INSERT's row count is -1 through psycopg 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from overture.bootstrap import bootstrap
from overture.config import Settings
from tests.workflows.hub import Hub, running_hub
from tests.workflows.temporal_fixtures import TemporalEnv


@pytest.fixture
def hub(temporal_env: TemporalEnv, task_queue: str, database_url: str, tmp_path: Path) -> Iterator[Hub]:
    yield from _running_hub(temporal_env, task_queue, database_url, tmp_path, dispatch_outbox=True)


@pytest.fixture
def hub_without_dispatcher(
    temporal_env: TemporalEnv, task_queue: str, database_url: str, tmp_path: Path
) -> Iterator[Hub]:
    """A hub whose outbox is never dispatched: workflows start only when the API needs one."""
    yield from _running_hub(temporal_env, task_queue, database_url, tmp_path, dispatch_outbox=False)


def _running_hub(
    temporal_env: TemporalEnv, task_queue: str, database_url: str, tmp_path: Path, *, dispatch_outbox: bool
) -> Iterator[Hub]:
    # Access control is tested on its own (tests/api); here the hub's callers carry no keys.
    container = bootstrap(Settings(home=tmp_path, database_url=database_url, auth="off"), migrate=False)
    try:
        with running_hub(temporal_env.client, task_queue, container, dispatch_outbox=dispatch_outbox) as hub:
            yield hub
    finally:
        container.close()
