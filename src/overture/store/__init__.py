"""SQLAlchemy adapters: tables, repositories, unit of work, read views, migrations."""
