"""Alembic migrations of the Mistral schema, callable from Python.

There is no `alembic.ini`: `alembic_config()` builds the configuration in
code so `mistral-db-manage` and `mistral-server` (which upgrades SQLite on
start) share one entry point and need no file next to the package.
"""
from __future__ import annotations

import io
import os

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
import sqlalchemy as sa

SCRIPT_LOCATION = os.path.dirname(os.path.abspath(__file__))


def alembic_config(url: str, stdout: io.TextIOBase | None = None) -> Config:
    """An alembic `Config` for the database at `url`.

    `stdout` receives what alembic commands print (`history`, `current`,
    offline SQL); it defaults to the process's stdout.
    """
    kwargs = {} if stdout is None else {'stdout': stdout}
    config = Config(**kwargs)
    config.set_main_option('script_location', SCRIPT_LOCATION)
    # '%' is ConfigParser's interpolation character: escape it so URLs with
    # percent-encoded passwords survive the round trip.
    config.set_main_option('sqlalchemy.url', url.replace('%', '%%'))
    config.attributes['url'] = url
    return config


def upgrade(url: str, revision: str = 'head', sql: bool = False) -> None:
    """Migrate the database at `url` up to `revision`."""
    command.upgrade(alembic_config(url), revision, sql=sql)


def downgrade(url: str, revision: str, sql: bool = False) -> None:
    """Migrate the database at `url` down to `revision` ('base' = empty)."""
    command.downgrade(alembic_config(url), revision, sql=sql)


def stamp(url: str, revision: str, sql: bool = False) -> None:
    """Record `revision` as current without running any migration."""
    command.stamp(alembic_config(url), revision, sql=sql)


def current(url: str) -> str | None:
    """The revision the database at `url` is at; None if never migrated."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            heads = MigrationContext.configure(conn).get_current_heads()
    finally:
        engine.dispose()
    return ','.join(heads) if heads else None


def head() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory(SCRIPT_LOCATION).get_current_head()
