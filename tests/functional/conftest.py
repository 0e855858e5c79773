"""Functional tests run real `mistral-server` processes; a failing test
gets the tail of every running server's log in its report."""
from tests.server import pytest_runtest_makereport  # noqa: F401 (hook)
