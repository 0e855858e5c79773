#!/usr/bin/env python3
"""Start a local Mistral cluster: one API, N engines and M executors.

Usage::

    python tools/cluster.py --db postgresql+psycopg2://postgres@127.0.0.1/mistral \
        --transport rabbit://guest:guest@127.0.0.1:5672/ \
        [--engines 2] [--executors 2] [--executor-hosts a,b] \
        [--workdir DIR] [--api-port 8989] [--prepare-db]

Each process gets its own config file and log in the work directory
(`<workdir>/<name>/mistral.conf` and `server.log`). The script prints the
API URL once every process is ready and stops them all on Ctrl-C.
`--prepare-db` runs `mistral-db-manage upgrade head` and `populate` first.
`--record-runs FILE` adds a `soak.record` action (used by tools/soak.py)
that appends the id of every action execution it runs to FILE.

Topics get a unique suffix, so several clusters can share one broker.
`Cluster` is importable (tools/soak.py uses it to kill and replace
processes).
"""
from __future__ import annotations

import argparse
import os
import pathlib
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

READY_MARKER = 'Mistral running:'

RECORD_MODULE = '''\
"""soak.record: appends the action execution id to a file, then sleeps."""
import time

from mistral_lib import actions


class RecordAction(actions.Action):
    def __init__(self, path, value=None, seconds=0):
        self.path, self.value, self.seconds = path, value, seconds

    def run(self, context):
        with open(self.path, 'a') as f:
            f.write(context.execution.action_execution_id + '\\n')
        time.sleep(float(self.seconds))
        return self.value
'''


def _script(name: str) -> str:
    local = pathlib.Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        sys.exit(f'{name} not found: install Mistral (pip install -e .)')
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def write_record_plugin(directory: pathlib.Path) -> str:
    """A plugin (module + dist-info with a `mistral.actions` entry point)
    providing `soak.record`; answers the directory for PYTHONPATH."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / 'mistral_soak_actions.py').write_text(RECORD_MODULE)
    info = directory / 'mistral_soak_actions-1.0.dist-info'
    info.mkdir(exist_ok=True)
    (info / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: mistral_soak_actions\nVersion: 1.0\n')
    (info / 'entry_points.txt').write_text(
        '[mistral.actions]\nsoak.record = mistral_soak_actions:RecordAction\n')
    return str(directory)


class Process:
    """One `mistral-server` process of the cluster."""

    def __init__(self, cluster: 'Cluster', name: str, services: str,
                 options: dict[str, dict]) -> None:
        self.cluster = cluster
        self.name = name
        self.services = services
        self.dir = cluster.workdir / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = self.dir / 'mistral.conf'
        lines = []
        for section, values in options.items():
            lines.append(f'[{section}]')
            lines += [f'{k} = {v}' for k, v in values.items()
                      if v is not None]
        self.config.write_text('\n'.join(lines) + '\n')
        self.log = self.dir / 'server.log'
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        offset = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, 'ab') as log:
            self.proc = subprocess.Popen(
                [self.cluster.server_script, '--server', self.services,
                 '--config-file', str(self.config)],
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=self.cluster.env,
                start_new_session=True)  # Ctrl-C goes to us, not them
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f'{self.name} exited with '
                                   f'{self.proc.returncode}; see {self.log}')
            with open(self.log, 'rb') as f:
                f.seek(offset)
                if READY_MARKER.encode() in f.read():
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f'{self.name} did not start; see '
                                   f'{self.log}')
            time.sleep(0.1)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, like a crash."""
        if self.alive:
            self.proc.kill()
            self.proc.wait()

    def terminate(self) -> None:
        if self.alive:
            self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


class Cluster:
    """An API, `engines` engines and `executors` executors on one database
    and one broker."""

    def __init__(self, db_url: str, transport_url: str, engines: int = 2,
                 executors: int = 2, executor_hosts: list[str] | None = None,
                 workdir: str | None = None, api_port: int | None = None,
                 record_runs: str | None = None,
                 extra: dict[str, dict] | None = None) -> None:
        self.db_url = db_url
        self.transport_url = transport_url
        self.workdir = pathlib.Path(workdir or tempfile.mkdtemp(
            prefix='mistral-cluster-'))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.server_script = _script('mistral-server')
        self.api_port = api_port or free_port()
        suffix = uuid.uuid4().hex[:8]
        self.engine_topic = f'mistral_engine_{suffix}'
        self.executor_topic = f'mistral_executor_{suffix}'
        self.extra = extra or {}
        self.env = dict(os.environ)
        self.env.pop('MISTRAL_CONFIG_FILE', None)
        self.env.pop('MISTRAL_CONFIG_DIR', None)
        self.env['PYTHONUNBUFFERED'] = '1'
        if record_runs:
            plugin = write_record_plugin(self.workdir / 'plugin')
            self.env['PYTHONPATH'] = os.pathsep.join(
                p for p in (plugin, self.env.get('PYTHONPATH')) if p)
        hosts = executor_hosts or [f'executor-{i}' for i in range(executors)]
        self.processes: list[Process] = []
        self._count = 0
        for i in range(engines):
            self._add('engine', f'engine-{i}')
        for i in range(executors):
            self._add('executor', f'executor-{i}', hosts[i % len(hosts)])
        self.api = self._add('api,periodic', 'api')

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.api_port}/v2'

    def _options(self, name: str, executor_host: str | None) -> dict:
        options: dict[str, dict] = {
            'DEFAULT': {'transport_url': self.transport_url},
            'api': {'host': '127.0.0.1', 'port': self.api_port},
            'database': {'connection': self.db_url},
            'engine': {'topic': self.engine_topic, 'host': name},
            'executor': {'topic': self.executor_topic,
                         'host': executor_host or '0.0.0.0'},
        }
        for section, values in self.extra.items():
            options.setdefault(section, {}).update(values)
        return options

    def _add(self, services: str, name: str,
             executor_host: str | None = None) -> Process:
        process = Process(self, name, services,
                          self._options(name, executor_host))
        process.executor_host = executor_host
        self.processes.append(process)
        return process

    def start(self) -> 'Cluster':
        # Executors and engines first: the API accepts work at once.
        try:
            for process in self.processes:
                process.start()
        except BaseException:
            self.stop()
            raise
        return self

    def replace(self, process: Process) -> Process:
        """Start a new process with the same role in place of `process`
        (which should be dead)."""
        self._count += 1
        role = process.services.split(',')[0]
        new = self._add(process.services, f'{role}-r{self._count}',
                        process.executor_host)
        self.processes.remove(new)
        self.processes[self.processes.index(process)] = new
        new.start()
        return new

    def killable(self) -> list[Process]:
        return [p for p in self.processes if p.alive and
                p.services in ('engine', 'executor')]

    def kill_random(self, rng: random.Random) -> Process:
        victim = rng.choice(self.killable())
        victim.kill()
        return victim

    def stop(self, timeout: float = 30) -> None:
        # The API first, then executors (running actions report), then
        # engines.
        order = {'api': 0, 'executor': 1, 'engine': 2}
        for process in sorted(self.processes,
                              key=lambda p: order.get(
                                  p.services.split(',')[0], 3)):
            process.terminate()
            process.wait(timeout)


def prepare_database(db_url: str, workdir: pathlib.Path) -> None:
    conf = workdir / 'db-manage.conf'
    conf.write_text(f'[database]\nconnection = {db_url}\n')
    script = _script('mistral-db-manage')
    for args in (['upgrade', 'head'], ['populate']):
        subprocess.run([script, '--config-file', str(conf), *args],
                       check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--db', required=True, help='SQLAlchemy URL')
    parser.add_argument('--transport', required=True,
                        help='oslo.messaging transport URL (rabbit://...)')
    parser.add_argument('--engines', type=int, default=2)
    parser.add_argument('--executors', type=int, default=2)
    parser.add_argument('--executor-hosts',
                        help='comma-separated [executor] host names, used '
                             'in turn (default executor-0, executor-1...)')
    parser.add_argument('--workdir', help='default: a new temporary dir')
    parser.add_argument('--api-port', type=int)
    parser.add_argument('--prepare-db', action='store_true',
                        help='run mistral-db-manage upgrade and populate')
    parser.add_argument('--record-runs', metavar='FILE',
                        help='provide the soak.record action, writing to '
                             'FILE')
    args = parser.parse_args(argv)
    cluster = Cluster(args.db, args.transport, args.engines, args.executors,
                      args.executor_hosts.split(',')
                      if args.executor_hosts else None,
                      args.workdir, args.api_port, args.record_runs)
    if args.prepare_db:
        prepare_database(args.db, cluster.workdir)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    cluster.start()
    print(f'Mistral API: {cluster.url}')
    print(f'Configs and logs: {cluster.workdir}')
    print('Press Ctrl-C to stop.', flush=True)
    try:
        while not stopping.wait(1):
            for process in cluster.processes:
                if not process.alive:
                    print(f'{process.name} exited '
                          f'({process.proc.returncode}); see {process.log}',
                          flush=True)
                    stopping.set()
    except KeyboardInterrupt:
        pass
    print('Stopping...', flush=True)
    cluster.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
