"""A real Keystone and a Mistral server that trusts it.

Keystone runs from its own virtualenv (tools/keystone/setup.sh, run here
on first use and by `.ci/run`) through tools/keystone/run.py, once per
test session. When it cannot be installed the tests here are skipped, or
fail under MISTRAL_TEST_REQUIRE_SERVICES=1 (CI never skips them
silently).
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import time
from typing import Any

import pytest
import requests

from tests.server import MistralServer, free_port, wait_until
from tests.server import pytest_runtest_makereport  # noqa: F401 (hook)

ROOT = pathlib.Path(__file__).resolve().parents[2]
KEYSTONE_VENV = pathlib.Path(os.environ.get(
    'MISTRAL_KEYSTONE_VENV', ROOT / '.keystone-venv'))
RUN_SCRIPT = ROOT / 'tools' / 'keystone' / 'run.py'
# db_sync and bootstrap on a busy two-core machine.
KEYSTONE_START_TIMEOUT = 180


def _keystone_installed(python: pathlib.Path) -> bool:
    return python.exists() and subprocess.run(
        [str(python), '-c', 'import keystone'], capture_output=True,
        timeout=60).returncode == 0


def _keystone_python() -> pathlib.Path:
    python = KEYSTONE_VENV / 'bin' / 'python'
    if not _keystone_installed(python):
        # The first run installs it (a few minutes, from PyPI), so the
        # README's test command needs no extra set-up step.
        subprocess.run([str(ROOT / 'tools' / 'keystone' / 'setup.sh'),
                        str(KEYSTONE_VENV)], timeout=900)
    if not _keystone_installed(python):
        message = (f'Keystone is not installed in {KEYSTONE_VENV} and '
                   'tools/keystone/setup.sh could not install it')
        if os.environ.get('MISTRAL_TEST_REQUIRE_SERVICES') == '1':
            pytest.fail(message)
        pytest.skip(message)
    return python


class Keystone:
    """The running Keystone: its URL and the credentials run.py created."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        self.auth_url: str = info['auth_url']
        self._tokens: dict[str, dict] = {}

    def credentials(self, who: str) -> dict[str, str]:
        """'admin', 'alpha' (user alice) or 'beta' (user bob)."""
        if who == 'admin':
            return self.info['admin']
        return self.info['members'][who]

    def login(self, who: str) -> dict:
        """A fresh token of `who`: {'token': ..., 'project_id': ...}."""
        creds = self.credentials(who)
        response = requests.post(f'{self.auth_url}/auth/tokens', json={
            'auth': {'identity': {'methods': ['password'], 'password': {
                'user': {'name': creds['username'],
                         'domain': {'id': 'default'},
                         'password': creds['password']}}},
                'scope': {'project': {'name': creds['project'],
                                      'domain': {'id': 'default'}}}}},
            timeout=30)
        response.raise_for_status()
        return {'token': response.headers['X-Subject-Token'],
                'project_id': response.json()['token']['project']['id']}

    def token(self, who: str) -> dict:
        """A token of `who`, reused within the session."""
        if who not in self._tokens:
            self._tokens[who] = self.login(who)
        return self._tokens[who]

    def admin_call(self, method: str, path: str, body: dict | None = None):
        response = requests.request(
            method, f'{self.auth_url}{path}', json=body, timeout=30,
            headers={'X-Auth-Token': self.token('admin')['token']})
        response.raise_for_status()
        return response.json() if response.content else None

    def register_mistral(self, url: str) -> None:
        """The `workflowv2` catalog entry clients discover Mistral by."""
        service = self.admin_call('POST', '/services', {'service': {
            'type': 'workflowv2', 'name': 'mistral',
            'description': 'Workflow service'}})['service']
        for interface in ('public', 'internal', 'admin'):
            self.admin_call('POST', '/endpoints', {'endpoint': {
                'service_id': service['id'], 'interface': interface,
                'region_id': self.info['region'], 'url': url}})


@pytest.fixture(scope='session')
def keystone(tmp_path_factory) -> Keystone:
    python = _keystone_python()
    workdir = tmp_path_factory.mktemp('keystone')
    log_path = workdir / 'keystone.log'
    ready = workdir / 'ready.json'
    with open(log_path, 'wb') as log:
        proc = subprocess.Popen(
            [str(python), str(RUN_SCRIPT), '--workdir', str(workdir),
             '--port', str(free_port())],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def started() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f'Keystone exited with {proc.returncode}:'
                                 f'\n{log_path.read_text()[-3000:]}')
        return ready.exists()

    try:
        wait_until(started, KEYSTONE_START_TIMEOUT, interval=0.2,
                   message=lambda: 'Keystone to start\n'
                                   f'{log_path.read_text()[-3000:]}')
        yield Keystone(json.loads(ready.read_text()))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def auth_options(keystone: Keystone) -> dict[str, dict[str, Any]]:
    """Config of a Mistral server that validates tokens with `keystone`
    (the admin user doubles as its service user here)."""
    admin = keystone.credentials('admin')
    return {
        'pecan': {'auth_enable': True},
        'keystone_authtoken': {
            'www_authenticate_uri': keystone.auth_url,
            'auth_url': keystone.auth_url,
            'auth_type': 'password',
            'username': admin['username'],
            'password': admin['password'],
            'project_name': admin['project'],
            'user_domain_id': 'default',
            'project_domain_id': 'default',
        },
    }


@pytest.fixture(scope='session')
def server(keystone, tmp_path_factory) -> MistralServer:
    """One authenticating all-in-one server, registered in the catalog."""
    workdir = tmp_path_factory.mktemp('auth-server')
    srv = MistralServer(workdir, f'sqlite:///{workdir}/mistral.sqlite',
                        extra=auth_options(keystone))
    keystone.register_mistral(f'{srv.url}/v2')
    srv.start()
    yield srv
    srv.stop()


class Caller:
    """requests against the API as one Keystone user."""

    def __init__(self, api: str, token: str | None,
                 project_id: str | None = None) -> None:
        self.api = api
        self.token = token
        self.project_id = project_id

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop('headers', {})
        if self.token:
            headers['X-Auth-Token'] = self.token
        return requests.request(method, f'{self.api}{path}',
                                headers=headers, timeout=30, **kwargs)

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def post(self, path, **kw):
        return self.request('POST', path, **kw)

    def put(self, path, **kw):
        return self.request('PUT', path, **kw)

    def delete(self, path, **kw):
        return self.request('DELETE', path, **kw)

    def create_workflow(self, text: str, **params) -> dict:
        response = self.post('/workflows', data=text, params=params,
                             headers={'Content-Type': 'text/plain'})
        assert response.status_code == 201, response.text
        return response.json()['workflows'][0]

    def run(self, workflow: str, **body) -> requests.Response:
        return self.post('/executions',
                         json={'workflow_name': workflow, **body})

    def wait_finished(self, execution_id: str) -> dict:
        def finished():
            row = self.get(f'/executions/{execution_id}').json()
            return row if row['state'] in ('SUCCESS', 'ERROR') else None
        return wait_until(finished, 30, interval=0.1,
                          message=f'execution {execution_id}')


def caller(server: MistralServer, keystone: Keystone, who: str) -> Caller:
    token = keystone.token(who)
    return Caller(server.api, token['token'], token['project_id'])


@pytest.fixture(scope='session')
def alice(server, keystone) -> Caller:
    return caller(server, keystone, 'alpha')


@pytest.fixture(scope='session')
def bob(server, keystone) -> Caller:
    return caller(server, keystone, 'beta')


@pytest.fixture(scope='session')
def admin(server, keystone) -> Caller:
    return caller(server, keystone, 'admin')


@pytest.fixture
def uniq() -> str:
    return f'{time.monotonic_ns():x}'[-8:]
