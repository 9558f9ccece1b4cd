"""Alembic migrations build exactly the schema of store/tables.py, and upgrading twice changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from overture.store.engine import make_engine
from overture.store.migrate import alembic_config, upgrade
from overture.store.tables import metadata, skus
from overture.store.tables.search import include_in_comparison


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    built = make_engine(database_url, pool_size=1, max_overflow=0)
    yield built
    built.dispose()


def schema_differences(engine: sa.Engine, target: sa.MetaData = metadata) -> list[Any]:
    """What autogenerate would write into a new migration (empty when the schema matches)."""
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_name": include_in_comparison}
        context = MigrationContext.configure(connection, opts=opts)
        # Filtered only for the search index objects no metadata can express (store/tables/search.py): the
        # TypeDecorators (UtcDateTime, Amount) and the JSON/JSONB and BigInteger/Integer variants compare clean
        # on both dialects, so any difference reported here is real drift.
        return list(compare_metadata(context, target))


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_migrated_schema_matches_the_table_definitions(engine: sa.Engine) -> None:
    assert schema_differences(engine) == []


def test_every_table_in_the_metadata_exists_after_migration(engine: sa.Engine) -> None:
    assert set(metadata.tables) <= table_names(engine)


def _copy_of_metadata() -> sa.MetaData:
    copy = sa.MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    return copy


def test_comparison_detects_a_missing_column(engine: sa.Engine) -> None:
    """Guards the check above: a column the migrations never created must show up as a difference."""
    drifted = _copy_of_metadata()
    drifted.tables["skus"].append_column(sa.Column("colour", sa.String(16)))
    differences = schema_differences(engine, drifted)
    assert [(d[0], d[3].name) for d in differences] == [("add_column", "colour")]


def test_comparison_detects_a_changed_column_type(engine: sa.Engine) -> None:
    drifted = _copy_of_metadata()
    drifted.tables["locations"].c["name"].type = sa.String(100)
    differences = schema_differences(engine, drifted)
    assert [(d[0][0], d[0][2], d[0][3]) for d in differences] == [("modify_type", "locations", "name")]


def _check_constraint_names(table: sa.Table) -> set[str]:
    return {str(c.name) for c in table.constraints if isinstance(c, sa.CheckConstraint)}


@pytest.mark.parametrize("table_name", ["inventory_positions", "order_lines", "reservations"])
def test_check_constraints_exist_in_the_database(engine: sa.Engine, table_name: str) -> None:
    """Autogenerate does not compare CHECK constraints, so the ones guarding the ledger are checked here."""
    expected = _check_constraint_names(metadata.tables[table_name])
    assert expected
    found = {c["name"] for c in sa.inspect(engine).get_check_constraints(table_name)}
    assert found == expected


def test_database_is_at_the_head_revision(engine: sa.Engine, database_url: str) -> None:
    assert current_revision(engine) == head_revision(database_url) is not None


def test_upgrade_twice_is_a_no_op_and_keeps_the_data(engine: sa.Engine, database_url: str) -> None:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(sa.insert(skus), {"sku": "KEEP-ME", "created_at": now, "updated_at": now})
    tables_before = table_names(engine)

    upgrade(database_url)
    upgrade(database_url)

    assert table_names(engine) == tables_before
    assert current_revision(engine) == head_revision(database_url)
    assert schema_differences(engine) == []
    with engine.connect() as connection:
        assert connection.scalars(sa.select(skus.c.sku)).all() == ["KEEP-ME"]
