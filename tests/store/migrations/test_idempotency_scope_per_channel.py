"""Migration 0016: keys captured under the old shared "orders" scope move to their order's channel, so
a repeat from that channel still replays after the upgrade (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from overture.store.engine import make_engine
from overture.store.migrate import upgrade

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def url_at_0015(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store migrated only up to 0015 (SQLite: a new file; PostgreSQL: a fresh schema)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        upgrade(url, "0015")
        yield url
        return
    pg: str = request.getfixturevalue("pg_url")
    server = sa.make_url(pg).update_query_dict({}, append=False)
    schema = f"mig_{tmp_path.name[-20:].lower().replace('-', '_')}"
    admin = sa.create_engine(server.set(query={}))
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = server.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    upgrade(url, "0015")
    yield url
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _order(connection: sa.Connection, order_id: str, channel: str) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO orders (id, channel, external_id, status, customer, ship_to, currency, total, "
            "created_at, updated_at) VALUES (:id, :channel, :id, 'routed', '{}', '{}', 'USD', '1.00', :at, :at)"
        ),
        {"id": order_id, "channel": channel, "at": NOW},
    )
    connection.execute(
        sa.text("INSERT INTO idempotency_keys VALUES ('orders', :key, 'h', :id, :at)"),
        {"key": f"key-of-{order_id}", "id": order_id, "at": NOW},
    )


@pytest.mark.parametrize("url_at_0015", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_keys_of_the_shared_scope_move_to_their_orders_channel(url_at_0015: str) -> None:
    engine = make_engine(url_at_0015, pool_size=1, max_overflow=0)
    with engine.begin() as connection:
        _order(connection, "ord_web", "web")
        _order(connection, "ord_shop", "a-storefront-channel-named-at-length")
    upgrade(url_at_0015)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT scope, key FROM idempotency_keys ORDER BY key")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("orders:a-storefront-channel-named-at-length", "key-of-ord_shop"),
        ("orders:web", "key-of-ord_web"),
    ]
