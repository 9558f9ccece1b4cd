"""``/readyz``: ready when the store answers at the migrations' head and the engine serves; a 503 naming
the check that failed, within seconds, when either does not."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.store.migrate import revisions
from overture.workflows.dev_server import DevServer, DevServerOptions
from overture.workflows.engine import connect_client
from tests.workflows.temporal_fixtures import TemporalEnv


def _ready(container: Container, client: object | None) -> tuple[int, dict[str, object]]:
    app = create_app(container)
    app.state.temporal_client = client
    with TestClient(app) as http:
        answer = http.get("/readyz")
    return answer.status_code, answer.json()


def test_a_hub_whose_store_and_engine_answer_is_ready(container: Container, temporal_env: TemporalEnv) -> None:
    status, body = _ready(container, temporal_env.client)

    assert status == 200 and body["status"] == "ready"
    _, heads = revisions(container.engine)
    assert body["checks"]["store"] == {"ok": True, "revision": ",".join(sorted(heads))}
    assert body["checks"]["engine"] == {"ok": True}


def test_a_store_behind_the_migrations_is_not_ready(container: Container) -> None:
    _, heads = revisions(container.engine)
    with container.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        status, body = _ready(container, None)
    finally:  # the PostgreSQL schema outlives the test: put the revision back
        with container.engine.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = :head"), {"head": heads.pop()})

    assert status == 503 and body["status"] == "not_ready"
    assert "'0001'" in body["checks"]["store"]["reason"] and body["checks"]["store"]["ok"] is False


def test_an_engine_that_stopped_makes_the_hub_not_ready_within_seconds(container: Container, tmp_path: Path) -> None:
    server = DevServer(DevServerOptions(db_file=tmp_path / "temporal.db"))
    server.start(timeout_s=60)
    try:
        client = asyncio.run(connect_client(server.address, timeout_s=30))
        first = _ready(container, client)
        assert first[0] == 200, first
    finally:
        server.stop()

    started = time.monotonic()
    status, body = _ready(container, client)

    assert status == 503 and body["checks"]["engine"]["ok"] is False and body["checks"]["store"]["ok"] is True
    assert time.monotonic() - started < 10
