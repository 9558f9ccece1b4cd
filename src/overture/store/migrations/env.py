"""Alembic environment: runs against the URL put in ``config.attributes`` by ``store.migrate``."""

from __future__ import annotations

from alembic import context

from overture.store.engine import make_engine
from overture.store.tables import metadata
from overture.store.tables.search import include_in_comparison

config = context.config


def run_migrations_online() -> None:
    url = config.attributes["database_url"]
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_in_comparison,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
