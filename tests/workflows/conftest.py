"""Fixtures for workflow tests: a complete hub per test on a fresh task queue, on each store.

The hub runs every test once on SQLite and once on PostgreSQL (``database_url``): the two drivers
differ in ways only a run on each shows (an INSERT's row count is -1 through psycopg 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.workflows.hub import Hub, running_hub_on
from tests.workflows.temporal_fixtures import TemporalEnv


@pytest.fixture
def hub(temporal_env: TemporalEnv, task_queue: str, database_url: str, tmp_path: Path) -> Iterator[Hub]:
    yield from running_hub_on(temporal_env, task_queue, database_url, tmp_path, dispatch_outbox=True)


@pytest.fixture
def hub_without_dispatcher(
    temporal_env: TemporalEnv, task_queue: str, database_url: str, tmp_path: Path
) -> Iterator[Hub]:
    """A hub whose outbox is never dispatched: workflows start only when the API needs one."""
    yield from running_hub_on(temporal_env, task_queue, database_url, tmp_path, dispatch_outbox=False)
