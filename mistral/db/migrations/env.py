"""Alembic environment: runs migrations online (a connection) or offline (SQL).

The database URL comes from `config.attributes['url']`, set by
`mistral.db.migrations.alembic_config()`.
"""
from __future__ import annotations

from alembic import context
import sqlalchemy as sa
from sqlalchemy import event

from mistral.db import models

config = context.config
target_metadata = models.Base.metadata


def _url() -> str:
    return config.attributes.get('url') or config.get_main_option(
        'sqlalchemy.url')


def _migration_engine(url: str) -> sa.Engine:
    """An engine for running DDL; on SQLite, one whose DDL is transactional.

    pysqlite only opens a transaction before DML, so a migration failing
    half way would leave half a schema. We issue BEGIN ourselves. Foreign
    keys stay off (SQLite's default): batch migrations copy and drop tables,
    which with foreign keys on would cascade-delete child rows.
    """
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    if engine.dialect.name == 'sqlite':
        @event.listens_for(engine, 'connect')
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, 'begin')
        def _on_begin(conn):
            conn.exec_driver_sql('BEGIN')
    return engine


def _options(dialect_name: str) -> dict:
    sqlite = dialect_name == 'sqlite'
    return {
        'target_metadata': target_metadata,
        # SQLite cannot ALTER most things: let batch mode copy the table.
        'render_as_batch': sqlite,
        'transactional_ddl': True if sqlite else None,
        'compare_type': True,
    }


def run_migrations_offline() -> None:
    """Print the SQL of the migrations instead of running it (`--sql`)."""
    url = _url()
    options = _options(sa.engine.make_url(url).get_backend_name())
    if options['transactional_ddl'] is None:
        del options['transactional_ddl']
    context.configure(url=url, literal_binds=True,
                      dialect_opts={'paramstyle': 'named'}, **options)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a live connection."""
    engine = _migration_engine(_url())
    try:
        with engine.connect() as connection:
            options = _options(connection.dialect.name)
            if options['transactional_ddl'] is None:
                del options['transactional_ddl']
            context.configure(connection=connection, **options)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
