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
    """`context.configure()` options that depend on the database kind."""
    options = {'target_metadata': target_metadata, 'compare_type': True}
    if dialect_name == 'sqlite':
        # SQLite cannot ALTER most things: batch mode copies the table.
        # Our engine makes its DDL transactional (see _migration_engine).
        options.update(render_as_batch=True, transactional_ddl=True)
    return options


def run_migrations_offline() -> None:
    """Print the SQL of the migrations instead of running it (`--sql`)."""
    url = _url()
    context.configure(url=url, literal_binds=True,
                      dialect_opts={'paramstyle': 'named'},
                      **_options(sa.engine.make_url(url).get_backend_name()))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a live connection."""
    engine = _migration_engine(_url())
    try:
        with engine.connect() as connection:
            context.configure(connection=connection,
                              **_options(connection.dialect.name))
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
