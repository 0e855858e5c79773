"""Run real `mistral-server` / `mistral-db-manage` processes in tests.

`MistralServer` writes a config file into a temporary directory, starts the
installed console script as a subprocess (stdout and stderr go to a log file
next to the config), waits with a deadline until it is ready and stops it
with SIGTERM (then SIGKILL). Every server still running is registered, so a
failing test gets the tail of each server log in its report
(`pytest_runtest_makereport` below, imported by the conftest modules of
tests/api, tests/functional and tests/compat).
"""
from __future__ import annotations

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
from typing import Any, Callable, Iterable

import pytest
import requests

BIN = pathlib.Path(sys.executable).parent
SERVER_SCRIPT = BIN / 'mistral-server'
DB_MANAGE_SCRIPT = BIN / 'mistral-db-manage'
CLI_SCRIPT = BIN / 'mistral'

TERMINAL_STATES = frozenset({'SUCCESS', 'ERROR', 'CANCELLED'})
# Logged by mistral-server once every service of the process has started.
READY_MARKER = 'Mistral running:'

_RUNNING: list['MistralServer'] = []


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_until(condition: Callable[[], Any], timeout: float,
               interval: float = 0.05,
               message: str | Callable[[], str] = 'condition') -> Any:
    """Poll `condition` until it returns a truthy value; fail after
    `timeout` seconds with `message`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            raise AssertionError(f'Timed out after {timeout}s waiting for '
                                 f'{text}')
        time.sleep(interval)


def write_config(path: pathlib.Path,
                 sections: dict[str, dict[str, Any]]) -> pathlib.Path:
    lines: list[str] = []
    for section, options in sections.items():
        lines.append(f'[{section}]')
        lines.extend(f'{k} = {v}' for k, v in options.items()
                     if v is not None)
        lines.append('')
    path.write_text('\n'.join(lines))
    return path


def _server_env() -> dict[str, str]:
    """The caller's environment minus settings that would make the server
    read another configuration than the one written for it."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('MISTRAL_CONFIG_FILE', 'MISTRAL_CONFIG_DIR')}
    env['PYTHONUNBUFFERED'] = '1'
    return env


class MistralServer:
    """One `mistral-server` process.

    `services` is the `--server` value ('all', 'api', 'engine', ...).
    `transport_url=None` means in-process RPC (only valid with 'all').
    `extra` adds or overrides config options: {'engine': {'topic': 'x'}}.
    """

    def __init__(self, workdir: pathlib.Path, db_url: str,
                 services: str = 'all', transport_url: str | None = None,
                 extra: dict[str, dict[str, Any]] | None = None,
                 name: str | None = None) -> None:
        self.name = name or services.replace(',', '-')
        self.workdir = pathlib.Path(workdir) / self.name
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db_url = db_url
        self.services = services
        self.has_api = services == 'all' or 'api' in services.split(',')
        self.port = free_port() if self.has_api else None
        sections: dict[str, dict[str, Any]] = {
            'DEFAULT': {'transport_url': transport_url},
            'api': {'host': '127.0.0.1', 'port': self.port},
            'database': {'connection': db_url},
        }
        for section, options in (extra or {}).items():
            sections.setdefault(section, {}).update(options)
        self.config_file = write_config(self.workdir / 'mistral.conf',
                                        sections)
        self.log_file = self.workdir / 'server.log'
        self.proc: subprocess.Popen | None = None
        self._log_handle = None

    # -- addresses ---------------------------------------------------------

    @property
    def url(self) -> str:
        assert self.port is not None, f'{self.name} serves no API'
        return f'http://127.0.0.1:{self.port}'

    @property
    def api(self) -> str:
        return f'{self.url}/v2'

    # -- lifecycle ---------------------------------------------------------

    def start(self, timeout: float = 30) -> 'MistralServer':
        if not SERVER_SCRIPT.exists():
            pytest.fail(f'{SERVER_SCRIPT} not found; run '
                        '".venv/bin/pip install -e ."')
        self._log_handle = open(self.log_file, 'ab')
        self.proc = subprocess.Popen(
            [str(SERVER_SCRIPT), '--server', self.services,
             '--config-file', str(self.config_file)],
            stdout=self._log_handle, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=self.workdir,
            env=_server_env())
        _RUNNING.append(self)
        try:
            wait_until(self._ready, timeout, interval=0.05,
                       message=lambda: f'{self.name} to start\n'
                                       f'{self.log_tail()}')
        except BaseException:
            self.stop()
            raise
        return self

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(
                f'mistral-server {self.name} exited with '
                f'{self.proc.returncode} while starting\n{self.log_tail()}')
        if self.has_api:
            try:
                return requests.get(f'{self.api}', timeout=1).status_code \
                    == 200
            except requests.RequestException:
                return False
        return READY_MARKER in self.log_text()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: the process dies at once, with no clean-up."""
        if self.alive:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._forget()

    def terminate(self) -> None:
        """Send SIGTERM without waiting (see `stop`)."""
        if self.alive:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM, then SIGKILL if it is still running after `timeout`."""
        if self.alive:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._forget()

    def _forget(self) -> None:
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None
        if self in _RUNNING:
            _RUNNING.remove(self)

    def __enter__(self) -> 'MistralServer':
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- logs --------------------------------------------------------------

    def log_text(self) -> str:
        try:
            return self.log_file.read_text(errors='replace')
        except FileNotFoundError:
            return ''

    def log_tail(self, lines: int = 40) -> str:
        tail = self.log_text().splitlines()[-lines:]
        return (f'--- last {len(tail)} lines of {self.log_file} ---\n'
                + '\n'.join(tail))


def db_manage(workdir: pathlib.Path, db_url: str,
              *args: str) -> subprocess.CompletedProcess:
    """Run `mistral-db-manage --config-file <conf> *args`; must succeed."""
    if not DB_MANAGE_SCRIPT.exists():
        pytest.fail(f'{DB_MANAGE_SCRIPT} not found')
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    conf = write_config(workdir / 'db-manage.conf',
                        {'database': {'connection': db_url}})
    proc = subprocess.run([str(DB_MANAGE_SCRIPT), '--config-file', str(conf),
                           *args], capture_output=True, text=True,
                          timeout=120, cwd=workdir, env=_server_env())
    assert proc.returncode == 0, (
        f'mistral-db-manage {" ".join(args)} exited {proc.returncode}\n'
        f'{proc.stdout}\n{proc.stderr}')
    return proc


def prepare_database(workdir: pathlib.Path, db_url: str) -> None:
    """What an operator does before the first start on a server database."""
    if db_url.startswith('sqlite'):
        return  # mistral-server creates the SQLite schema itself.
    db_manage(workdir, db_url, 'upgrade', 'head')
    db_manage(workdir, db_url, 'populate')


# -- REST helpers --------------------------------------------------------

def create_workflows(api: str, definition: str, **params) -> list[dict]:
    resp = requests.post(f'{api}/workflows', data=definition.encode(),
                         headers={'Content-Type': 'text/plain'},
                         params=params, timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()['workflows']


def start_execution(api: str, workflow: str | None,
                    wf_input: dict | None = None, **body) -> dict:
    """POST /v2/executions (by name; pass workflow=None and
    workflow_id=... to start by id); must answer 201."""
    if workflow is not None:
        body = {'workflow_name': workflow, **body}
    if wf_input is not None:
        body['input'] = wf_input
    resp = requests.post(f'{api}/executions', json=body, timeout=30)
    assert resp.status_code == 201, resp.text
    return resp.json()


def get_execution(api: str, execution_id: str) -> dict:
    resp = requests.get(f'{api}/executions/{execution_id}', timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def wait_for_state(api: str, execution_id: str, wanted: Iterable[str],
                   timeout: float = 20, interval: float = 0.05) -> dict:
    """Poll GET /v2/executions/<id> until its state is one of `wanted`."""
    wanted = frozenset(wanted)
    last: dict = {}

    def check():
        last.clear()
        last.update(get_execution(api, execution_id))
        return last['state'] in wanted

    wait_until(check, timeout, interval,
               message=lambda: f'execution {execution_id} to reach '
                               f'{sorted(wanted)}; last seen: '
                               f'{last.get("state")} '
                               f'({last.get("state_info")})')
    return dict(last)


def wait_for_execution(api: str, execution_id: str,
                       timeout: float = 20) -> dict:
    """Poll until the execution is SUCCESS, ERROR or CANCELLED."""
    return wait_for_state(api, execution_id, TERMINAL_STATES, timeout)


def run_workflow(api: str, workflow: str, wf_input: dict | None = None,
                 timeout: float = 20, **body) -> dict:
    ex = start_execution(api, workflow, wf_input, **body)
    return wait_for_execution(api, ex['id'], timeout)


def loads(value: str | None) -> Any:
    """A JSON field of an API resource (sent as a JSON string)."""
    assert isinstance(value, str), f'expected a JSON string, got {value!r}'
    return json.loads(value)


# -- pytest hook: server logs in failure reports --------------------------

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and _RUNNING:
        for server in list(_RUNNING):
            report.sections.append(
                (f'mistral-server {server.name} log', server.log_tail()))


# -- a split deployment: api, engine and executor processes ----------------

class SplitDeployment:
    """`mistral-server --server api|engine|executor` as separate processes
    sharing one database and one RabbitMQ.

    Topics get a unique suffix so stale queues of earlier runs (or other
    people's runs on the same broker) never deliver to these processes.
    The database must already have its schema (`prepare_database`).
    """

    def __init__(self, workdir: pathlib.Path, db_url: str,
                 transport_url: str, outbox_resend_after: int = 2) -> None:
        import uuid

        self.workdir = pathlib.Path(workdir)
        self.db_url = db_url
        self.transport_url = transport_url
        suffix = uuid.uuid4().hex[:12]
        self.engine_topic = f'test_engine_{suffix}'
        self.executor_topic = f'test_executor_{suffix}'
        self.executor_host = f'executor-{suffix}'
        self.outbox_resend_after = outbox_resend_after
        self.api: MistralServer | None = None
        self.engines: list[MistralServer] = []
        self.executors: list[MistralServer] = []
        self._engine_hosts: list[str] = []

    def _server(self, services: str, name: str,
                host: str | None = None) -> MistralServer:
        return MistralServer(
            self.workdir, self.db_url, services=services,
            transport_url=self.transport_url, name=name,
            extra={'engine': {'topic': self.engine_topic,
                              'host': host if services == 'engine' else None,
                              'outbox_resend_after':
                                  self.outbox_resend_after,
                              # Every action crosses the broker to the
                              # executor process, even std.echo.
                              'inline_pure_actions': False},
                   'executor': {'topic': self.executor_topic,
                                'host': self.executor_host},
                   # Fast enough that a dead executor is noticed in a test.
                   'action_heartbeat': {'check_interval': 1,
                                        'max_missed_heartbeats': 3,
                                        'first_heartbeat_timeout': 10}})

    def start(self) -> 'SplitDeployment':
        try:
            self.add_executor()
            self.add_engine()
            self.api = self._server('api', 'api').start()
        except BaseException:
            self.stop()
            raise
        return self

    def add_engine(self) -> MistralServer:
        n = len(self.engines)
        host = f'engine-{n}'
        self._engine_hosts.append(host)
        engine = self._server('engine', f'engine-{n}', host=host).start()
        self.engines.append(engine)
        return engine

    def add_executor(self) -> MistralServer:
        n = len(self.executors)
        executor = self._server('executor', f'executor-{n}').start()
        self.executors.append(executor)
        return executor

    @property
    def api_url(self) -> str:
        assert self.api is not None
        return self.api.api

    def stop(self) -> None:
        servers = [s for s in (self.api, *self.engines, *self.executors)
                   if s is not None]
        for server in servers:   # all shut down in parallel
            server.terminate()
        for server in servers:
            server.stop()
        self._delete_queues()

    def _delete_queues(self) -> None:
        """Topic queues are durable in RabbitMQ: remove ours."""
        try:
            import kombu
        except ImportError:
            return
        names = [self.engine_topic, self.executor_topic,
                 f'{self.executor_topic}.{self.executor_host}',
                 *[f'{self.engine_topic}.{h}' for h in self._engine_hosts]]
        url = self.transport_url.replace('rabbit://', 'amqp://', 1)
        try:
            with kombu.Connection(url, connect_timeout=5) as conn:
                channel = conn.channel()
                for name in names:
                    try:
                        channel.queue_delete(name)
                    except Exception:
                        channel = conn.channel()
        except Exception:
            pass

    def __enter__(self) -> 'SplitDeployment':
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
