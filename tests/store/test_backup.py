"""``overture db backup`` / ``restore``: a store restored into a fresh one holds every row of every table."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from overture.app import create_app
from overture.bootstrap import Container
from overture.cli import app as cli
from overture.store.backup import BackupError, backup, restore
from overture.store.engine import make_engine, normalise_url
from overture.store.tables import metadata
from tests.factories import add_locations, add_skus, order_payload, stock


def _filled(container: Container) -> None:
    add_locations(container)
    add_skus(container, "SKU-A", "SKU-B")
    stock(container, "SKU-A", "EWR", 40)
    stock(container, "SKU-B", "LAX", 5)
    with TestClient(create_app(container)) as http:
        for n in range(3):
            assert http.post("/v1/orders", json=order_payload(("SKU-A", n + 1), ("SKU-B", 1))).status_code == 201
        assert http.post("/v1/orders", content=b"{not json").status_code == 400  # a quarantined message too


def _tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: sorted((tuple(map(repr, row)) for row in connection.execute(sa.select(table))), key=repr)
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty store of the same kind: a new SQLite file, or a new PostgreSQL database."""
    parsed = normalise_url(database_url)
    if parsed.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'overture.db'}"
        return
    name = f"overture_restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(parsed.set(query={}), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    target = parsed.set(database=name)
    with sa.create_engine(target.set(query={})).begin() as connection:  # as the shared test database has it
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    yield target.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_restored_store_holds_every_row_of_every_table(
    container: Container, database_url: str, fresh_url: str, tmp_path: Path
) -> None:
    _filled(container)
    before = _tables(database_url)
    assert len(before["orders"]) == 3 and before["inbound_messages"]

    made = backup(database_url, tmp_path / "backup" / "store.bak")
    restore(made.path, fresh_url)

    assert made.size_bytes > 0
    assert _tables(fresh_url) == before


def test_a_restore_over_a_store_with_orders_needs_replace(
    container: Container, database_url: str, tmp_path: Path
) -> None:
    _filled(container)
    made = backup(database_url, tmp_path / "store.bak")
    with TestClient(create_app(container)) as http:
        http.post("/v1/orders", json=order_payload(("SKU-A", 1)))  # written after the backup

    with pytest.raises(BackupError, match="holds orders"):
        restore(made.path, database_url)
    restore(made.path, database_url, replace=True)

    assert len(_tables(database_url)["orders"]) == 3  # back to the moment of the backup


def test_the_commands_back_up_and_restore_and_name_what_went_wrong(sqlite_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "other" / "overture.db"
    made = runner.invoke(cli, ["db", "backup", str(tmp_path / "b.db"), "--database-url", sqlite_url])
    assert made.exit_code == 0 and "Backed up" in made.output
    restored = runner.invoke(cli, ["db", "restore", str(tmp_path / "b.db"), "--database-url", f"sqlite:///{target}"])
    assert restored.exit_code == 0 and target.is_file()

    missing = runner.invoke(cli, ["db", "restore", str(tmp_path / "none.db"), "--database-url", sqlite_url])
    assert missing.exit_code == 1 and "no backup at" in missing.output
