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
                 name: str | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.name = name or services.replace(',', '-')
        # Added to the process environment (e.g. PYTHONPATH for plugins).
        self.env = dict(env or {})
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
            env={**_server_env(), **self.env})
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

def delete_queues(transport_url: str, names: list[str]) -> None:
    """Remove RabbitMQ queues a test created (they are durable); a queue
    already gone, or a broker that is down, is not an error."""
    import kombu

    try:
        with kombu.Connection(transport_url.replace('rabbit://', 'amqp://',
                                                    1),
                              connect_timeout=5) as conn:
            channel = conn.channel()
            for name in names:
                try:
                    channel.queue_delete(name)
                except Exception:
                    channel = conn.channel()
    except Exception:
        pass


class SplitDeployment:
    """`mistral-server --server api|engine|executor` as separate processes
    sharing one database and one RabbitMQ.

    Topics get a unique suffix so stale queues of earlier runs (or other
    people's runs on the same broker) never deliver to these processes.
    The database must already have its schema (`prepare_database`).
    """

    def __init__(self, workdir: pathlib.Path, db_url: str,
                 transport_url: str, outbox_resend_after: int = 2,
                 env: dict[str, str] | None = None,
                 extra: dict[str, dict[str, Any]] | None = None) -> None:
        import uuid

        self.workdir = pathlib.Path(workdir)
        self.db_url = db_url
        self.transport_url = transport_url
        suffix = uuid.uuid4().hex[:12]
        self.engine_topic = f'test_engine_{suffix}'
        self.executor_topic = f'test_executor_{suffix}'
        self.executor_host = f'executor-{suffix}'
        self.outbox_resend_after = outbox_resend_after
        # For every process: environment additions and config overrides.
        self.env = dict(env or {})
        self.extra = extra or {}
        self._executor_hosts: set[str] = {self.executor_host}
        self.api: MistralServer | None = None
        self.engines: list[MistralServer] = []
        self.executors: list[MistralServer] = []
        self._engine_hosts: list[str] = []

    def _server(self, services: str, name: str, host: str | None = None,
                executor_host: str | None = None) -> MistralServer:
        extra: dict[str, dict[str, Any]] = {
            'engine': {'topic': self.engine_topic,
                       'host': host if 'engine' in services.split(',')
                       else None,
                       'outbox_resend_after': self.outbox_resend_after,
                       # Every action crosses the broker to the
                       # executor process, even std.echo.
                       'inline_pure_actions': False},
            'executor': {'topic': self.executor_topic,
                         'host': executor_host or self.executor_host},
            # Fast enough that a dead executor is noticed in a test.
            'action_heartbeat': {'check_interval': 1,
                                 'max_missed_heartbeats': 3,
                                 'first_heartbeat_timeout': 10}}
        for section, options in self.extra.items():
            extra.setdefault(section, {}).update(options)
        return MistralServer(
            self.workdir, self.db_url, services=services,
            transport_url=self.transport_url, name=name, extra=extra,
            env=self.env)

    def start(self) -> 'SplitDeployment':
        try:
            self.add_executor()
            self.add_engine()
            self.api = self._server('api', 'api').start()
        except BaseException:
            self.stop()
            raise
        return self

    def add_engine(self, services: str = 'engine') -> MistralServer:
        """Start one more engine process; `services` may add others to
        it, e.g. 'engine,periodic'."""
        n = len(self.engines)
        host = f'engine-{n}'
        self._engine_hosts.append(host)
        engine = self._server(services, f'engine-{n}', host=host).start()
        self.engines.append(engine)
        return engine

    def add_executor(self, host: str | None = None) -> MistralServer:
        """Start one more executor; `host` is its `[executor] host`
        (default: the deployment's shared executor host)."""
        n = len(self.executors)
        if host is not None:
            self._executor_hosts.add(host)
        executor = self._server('executor', f'executor-{n}',
                                executor_host=host).start()
        self.executors.append(executor)
        return executor

    def start_api(self) -> MistralServer:
        """Start a new API process (on a new port), e.g. after the old
        one was killed."""
        n = sum(1 for _ in self.workdir.glob('api*'))
        self.api = self._server('api', f'api-{n}' if n else 'api').start()
        return self.api

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
        names = [self.engine_topic, self.executor_topic,
                 *[f'{self.executor_topic}.{h}'
                   for h in sorted(self._executor_hosts)],
                 *[f'{self.engine_topic}.{h}' for h in self._engine_hosts]]
        delete_queues(self.transport_url, names)

    def __enter__(self) -> 'SplitDeployment':
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


# -- a test action plugin for the servers ----------------------------------

_PLUGIN_MODULE = '''\
"""Test actions loaded by mistral-server through a plugin entry point."""
import os
import time

from mistral_lib import actions


class RecordAction(actions.Action):
    """Appends "<action execution id> <task execution id> <pid>" to `path`
    as soon as it runs, then sleeps `seconds`. It fails while its task has
    run it `fail_times` times or fewer (for retries). Returns where it
    ran, the value it was given and which run of its task this was."""

    def __init__(self, path, value=None, seconds=0, fail_times=0):
        self.path = path
        self.value = value
        self.seconds = seconds
        self.fail_times = fail_times

    def run(self, context):
        execution = context.execution
        line = (f"{execution.action_execution_id} "
                f"{execution.task_execution_id} {os.getpid()}\\n")
        with open(self.path, 'a') as f:
            f.write(line)
        with open(self.path) as f:
            attempt = sum(1 for row in f if row.split()[1] ==
                          execution.task_execution_id)
        if self.seconds:
            time.sleep(float(self.seconds))
        if attempt <= int(self.fail_times):
            raise RuntimeError(f'attempt {attempt} fails')
        return {'pid': os.getpid(), 'value': self.value,
                'attempt': attempt}
'''

_PLUGIN_NAME = 'mistral_functional_test_actions'


def write_action_plugin(directory: pathlib.Path) -> dict[str, str]:
    """Write an installable-looking plugin (a module and its dist-info
    with a `mistral.actions` entry point) into `directory`; answer the
    environment that makes mistral-server load it: action `test.record`.
    """
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f'{_PLUGIN_NAME}.py').write_text(_PLUGIN_MODULE)
    info = directory / f'{_PLUGIN_NAME}-1.0.dist-info'
    info.mkdir(exist_ok=True)
    (info / 'METADATA').write_text(
        f'Metadata-Version: 2.1\nName: {_PLUGIN_NAME}\nVersion: 1.0\n')
    (info / 'entry_points.txt').write_text(
        f'[mistral.actions]\ntest.record = {_PLUGIN_NAME}:RecordAction\n')
    path = os.environ.get('PYTHONPATH')
    return {'PYTHONPATH': f'{directory}{os.pathsep}{path}' if path
            else str(directory)}


def recorded_runs(path: pathlib.Path) -> list[tuple[str, str, int]]:
    """The runs `test.record` wrote: (action ex id, task ex id, pid)."""
    try:
        lines = pathlib.Path(path).read_text().splitlines()
    except FileNotFoundError:
        return []
    return [(a, t, int(p)) for a, t, p in (line.split() for line in lines)]


# -- private broker and database instances (to restart in a test) ----------

def _find_tool(name: str, *dirs: str) -> str | None:
    import glob
    import shutil

    for pattern in dirs:
        for directory in sorted(glob.glob(pattern), reverse=True):
            path = pathlib.Path(directory) / name
            if path.exists():
                return str(path)
    return shutil.which(name)


class PrivateRabbitMQ:
    """A RabbitMQ node of its own (name, ports, data and cookie in a
    temporary directory), so a test can restart it without disturbing
    anybody else's broker. Starting takes several seconds."""

    def __init__(self, workdir: pathlib.Path) -> None:
        import uuid

        self.server = _find_tool('rabbitmq-server', '/usr/lib/rabbitmq/bin')
        self.ctl = _find_tool('rabbitmqctl', '/usr/lib/rabbitmq/bin')
        if not self.server or not self.ctl:
            pytest.skip('rabbitmq-server is not installed')
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.node = f'mtest_{uuid.uuid4().hex[:8]}@localhost'
        self.port = free_port()
        self.env = {
            **os.environ,
            # rabbitmqctl finds the node's Erlang cookie in $HOME.
            'HOME': str(self.workdir),
            'RABBITMQ_NODENAME': self.node,
            'RABBITMQ_NODE_IP_ADDRESS': '127.0.0.1',
            'RABBITMQ_NODE_PORT': str(self.port),
            'RABBITMQ_DIST_PORT': str(free_port()),
            'RABBITMQ_MNESIA_BASE': str(self.workdir / 'mnesia'),
            'RABBITMQ_LOG_BASE': str(self.workdir / 'log'),
            'RABBITMQ_PID_FILE': str(self.workdir / 'rabbit.pid'),
            'RABBITMQ_ENABLED_PLUGINS_FILE': str(self.workdir / 'plugins'),
            'RABBITMQ_CONFIG_FILE': str(self.workdir / 'rabbitmq'),
        }
        (self.workdir / 'plugins').write_text('[].\n')

    @property
    def url(self) -> str:
        return f'rabbit://guest:guest@127.0.0.1:{self.port}/'

    def _ctl(self, *args: str, timeout: float = 90) -> None:
        subprocess.run([self.ctl, '-n', self.node, *args], env=self.env,
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=timeout)

    def start(self) -> 'PrivateRabbitMQ':
        subprocess.run([self.server, '-detached'], env=self.env,
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=60, check=True)
        self._ctl('wait', self.env['RABBITMQ_PID_FILE'], '--timeout', '90')
        wait_until(self._accepts, 60, interval=0.2,
                   message=f'RabbitMQ node {self.node} to accept clients')
        return self

    def _accepts(self) -> bool:
        import kombu

        try:
            with kombu.Connection(f'amqp://guest:guest@127.0.0.1:'
                                  f'{self.port}//', connect_timeout=2) as c:
                c.connect()
                return True
        except Exception:
            return False

    def stop(self) -> None:
        self._ctl('stop', self.env['RABBITMQ_PID_FILE'])

    def restart(self) -> None:
        self.stop()
        self.start()


class PrivatePostgreSQL:
    """A PostgreSQL cluster of its own (initdb into a temporary
    directory, its own port and socket directory), so a test can restart
    it. PostgreSQL refuses to run as root: as root, it runs as the
    `postgres` user."""

    def __init__(self, workdir: pathlib.Path) -> None:
        self.bin = _find_tool('pg_ctl', '/usr/lib/postgresql/*/bin')
        if not self.bin:
            pytest.skip('PostgreSQL server binaries (pg_ctl) not found')
        self.bindir = pathlib.Path(self.bin).parent
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._as = []
        if os.geteuid() == 0:
            import shutil
            import tempfile

            # The postgres user cannot enter pytest's private temporary
            # directories: use one of its own (removed by `cleanup`).
            self.workdir = pathlib.Path(tempfile.mkdtemp(prefix='mtest-pg-'))
            shutil.chown(self.workdir, 'postgres')
            self._as = ['runuser', '-u', 'postgres', '--']
        self.datadir = self.workdir / 'data'
        self.port = free_port()

    @property
    def url(self) -> str:
        return (f'postgresql+psycopg2://postgres@127.0.0.1:{self.port}/'
                'mistral')

    def _run(self, tool: str, *args: str) -> None:
        proc = subprocess.run([*self._as, str(self.bindir / tool), *args],
                              capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, f'{tool} {args}: {proc.stdout}' \
                                     f'{proc.stderr}'

    def start(self) -> 'PrivatePostgreSQL':
        if not self.datadir.exists():
            self._run('initdb', '-D', str(self.datadir), '-A', 'trust',
                      '-U', 'postgres', '--no-sync')
            self._pg_ctl_start()
            self._run('createdb', '-h', '127.0.0.1', '-p', str(self.port),
                      '-U', 'postgres', 'mistral')
            return self
        self._pg_ctl_start()
        return self

    def _pg_ctl_start(self) -> None:
        self._run('pg_ctl', '-D', str(self.datadir), '-w', '-l',
                  str(self.workdir / 'postgres.log'), '-o',
                  f'-p {self.port} -k {self.workdir} -h 127.0.0.1 -F',
                  'start')

    def stop(self, mode: str = 'fast') -> None:
        """`mode` 'immediate' is a crash: no clean shutdown."""
        if (self.datadir / 'postmaster.pid').exists():
            self._run('pg_ctl', '-D', str(self.datadir), '-w', '-m', mode,
                      'stop')

    def cleanup(self) -> None:
        """Stop the server and delete its files."""
        import shutil

        self.stop('immediate')
        shutil.rmtree(self.workdir, ignore_errors=True)
