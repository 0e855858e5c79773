"""Shared test fixtures: where the real databases and broker are.

The external services are named by environment variables (set by .ci/run):
MISTRAL_TEST_POSTGRESQL, MISTRAL_TEST_MYSQL (SQLAlchemy URLs) and
MISTRAL_TEST_RABBIT (an oslo.messaging transport URL). When one is not set
its tests are skipped, unless MISTRAL_TEST_REQUIRE_SERVICES=1, in which
case they fail: CI never silently skips a backend.
"""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

DB_ENV = {
    'postgresql': 'MISTRAL_TEST_POSTGRESQL',
    'mysql': 'MISTRAL_TEST_MYSQL',
}


def _service_url(env_name: str) -> str:
    url = os.environ.get(env_name)
    if not url:
        if os.environ.get('MISTRAL_TEST_REQUIRE_SERVICES') == '1':
            pytest.fail(f'{env_name} is not set but services are required')
        pytest.skip(f'{env_name} not set')
    return url


def empty_database(url: str) -> str:
    """Drop every table in the database at `url` and return the URL."""
    engine = sa.create_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(bind=engine)
        with engine.begin() as conn:
            if engine.dialect.name == 'mysql':
                conn.exec_driver_sql('SET FOREIGN_KEY_CHECKS=0')
            for table in reversed(meta.sorted_tables):
                conn.execute(sa.text(f'DROP TABLE IF EXISTS {table.name}'
                                     + (' CASCADE' if engine.dialect.name ==
                                        'postgresql' else '')))
            if engine.dialect.name == 'mysql':
                conn.exec_driver_sql('SET FOREIGN_KEY_CHECKS=1')
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=['sqlite', 'postgresql', 'mysql'])
def any_db_url(request, tmp_path) -> str:
    """An empty database of each supported kind."""
    if request.param == 'sqlite':
        return f'sqlite:///{tmp_path}/mistral.sqlite'
    return empty_database(_service_url(DB_ENV[request.param]))


@pytest.fixture
def postgresql_url() -> str:
    return empty_database(_service_url(DB_ENV['postgresql']))


@pytest.fixture
def mysql_url() -> str:
    return empty_database(_service_url(DB_ENV['mysql']))


@pytest.fixture
def rabbit_url() -> str:
    return _service_url('MISTRAL_TEST_RABBIT')
