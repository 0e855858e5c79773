"""A real all-in-one `mistral-server` on SQLite for the API tests.

One server per test module; tests use unique workflow names so they do
not depend on each other's data.
"""
from __future__ import annotations

import uuid

import pytest

from tests.server import MistralServer
from tests.server import pytest_runtest_makereport  # noqa: F401 (hook)


@pytest.fixture(scope='module')
def server(tmp_path_factory) -> MistralServer:
    workdir = tmp_path_factory.mktemp('api-server')
    srv = MistralServer(workdir, f'sqlite:///{workdir}/mistral.sqlite')
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope='module')
def api(server: MistralServer) -> str:
    """Base URL of REST API v2, e.g. http://127.0.0.1:<port>/v2."""
    return server.api


@pytest.fixture
def uniq() -> str:
    """A suffix that makes definition names unique within a server."""
    return uuid.uuid4().hex[:8]
