"""Real peers on 127.0.0.1 for the std action tests."""
from __future__ import annotations

import os

import pytest
from mistral_lib.actions import context as lib_context

from mistral.actions import std_http
from tests.actions.http_peer import HTTPPeer
from tests.actions.ssh_server import SSHServer
from tests.server import pytest_runtest_makereport  # noqa: F401 (hook)


@pytest.fixture(scope='module')
def http_peer() -> HTTPPeer:
    peer = HTTPPeer().start()
    yield peer
    peer.stop()


@pytest.fixture(scope='module')
def ssh_server() -> SSHServer:
    server = SSHServer().start()
    yield server
    server.stop()


@pytest.fixture
def http_settings():
    """Install an egress policy for one test: call it with HttpSettings
    keyword arguments; the previous policy comes back afterwards."""
    saved = std_http._settings
    saved_env = os.environ.get(std_http.ENV_VAR)

    def install(**kwargs) -> std_http.HttpSettings:
        settings = std_http.HttpSettings(**kwargs)
        std_http.configure(settings)
        return settings

    yield install
    std_http._settings = saved
    if saved_env is None:
        os.environ.pop(std_http.ENV_VAR, None)
    else:
        os.environ[std_http.ENV_VAR] = saved_env


def action_context(**ids) -> lib_context.ActionContext:
    execution = lib_context.ExecutionContext(
        workflow_execution_id=ids.get('wf_ex_id', 'wf-1'),
        task_execution_id=ids.get('task_ex_id', 'task-1'),
        action_execution_id=ids.get('action_ex_id', 'action-1'),
        workflow_name=ids.get('workflow_name', 'wf'))
    return lib_context.ActionContext(lib_context.SecurityContext(),
                                     execution)
