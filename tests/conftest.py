"""Shared fixtures: real SQLite and PostgreSQL stores, the app, and a live HTTP server.

PostgreSQL tests use the server named by OVERTURE_TEST_PG_URL (``.ci/run`` sets it); each
test session works in its own schema, emptied before every test, and dropped at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container, bootstrap
from overture.config import Settings
from overture.store.engine import make_engine, normalise_url
from overture.store.migrate import upgrade
from overture.store.tables import metadata

pytest_plugins = ["tests.workflows.temporal_fixtures"]

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


def _pg_server_url() -> str:
    url = os.environ.get("OVERTURE_TEST_PG_URL")
    if not url:
        pytest.skip(
            "PostgreSQL tests skipped: set OVERTURE_TEST_PG_URL (for example postgresql://postgres@127.0.0.1:5432/test)"
        )
    try:
        engine = sa.create_engine(normalise_url(url), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as error:
        pytest.skip(f"PostgreSQL tests skipped: no server answers at {url} ({type(error).__name__}: {error})")
    return url


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A migrated schema of its own on the test PostgreSQL server."""
    server = normalise_url(_pg_server_url())
    schema = f"overture_test_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server)
    with admin.begin() as connection:
        # Extensions belong to the database: kept in public, never in a test schema dropped with CASCADE.
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = server.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "overture.db"
    upgrade(f"sqlite:///{path}")
    return path


def _empty_postgres(url: str) -> None:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    names = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """Each test using this runs on both stores."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("pg_url")
        _empty_postgres(url)
        return url
    path = tmp_path / "overture.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "overture.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def container(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Container]:
    """Auth is off (tests not about access), unless the test is marked ``auth`` (web/auth.py)."""
    auth = "required" if request.node.get_closest_marker("auth") else "off"
    built = bootstrap(Settings(home=tmp_path, database_url=database_url, auth=auth), migrate=False)
    yield built
    built.close()


@pytest.fixture
def auth_container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    """A store whose API requires keys, as ``overture serve`` does."""
    built = bootstrap(Settings(home=tmp_path, database_url=database_url, auth="required"), migrate=False)
    yield built
    built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveServer:
    """The real app under uvicorn on a loopback port, in a background thread."""

    def __init__(self, container: Container, **state: Any) -> None:
        self.port = free_port()
        self.app = create_app(container)
        for name, value in state.items():
            setattr(self.app.state, name, value)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)


@pytest.fixture
def live_server(container: Container) -> Iterator[LiveServer]:
    server = LiveServer(container)
    server.start()
    yield server
    server.stop()
