"""SQLAlchemy adapters: tables, repositories, unit of work, read views, migrations.

Row counts: only an UPDATE's or DELETE's ``rowcount`` decides anything here. SQLAlchemy keeps
``cursor.rowcount`` for those statements alone and reads it after the cursor is closed for any
other; psycopg 3 resets a closed cursor's count to -1, so on PostgreSQL every INSERT (plain, or
``ON CONFLICT DO NOTHING``, new row or not) reports -1, while sqlite3 keeps the real count. An
insert that must know whether its row went in says ``RETURNING`` its key and reads that back.
"""
