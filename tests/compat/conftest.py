"""The compat tests drive the real python-mistralclient CLI against a real
server; a failing test gets the server log tail in its report."""
from tests.server import pytest_runtest_makereport  # noqa: F401 (hook)
