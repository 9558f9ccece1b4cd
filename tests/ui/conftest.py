"""Fixtures of the dashboard's tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from tests.ui.seed import seed


@pytest.fixture
def stopped(container: Container) -> Iterator[TestClient]:
    """The seeded store on a clock stopped at seeding: the savings are rates over the store's age, which a
    running clock grows by however long a loaded machine takes between seeding and the request."""
    now = container.clock()
    hub = replace(container, clock=lambda: now)
    seed(hub)
    with TestClient(create_app(hub)) as client:
        yield client
