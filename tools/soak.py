#!/usr/bin/env python3
"""Run a mixed load against Mistral while killing processes at random.

Against a cluster this script starts itself (see tools/cluster.py)::

    python tools/soak.py --db postgresql+psycopg2://postgres@127.0.0.1/mistral \
        --transport rabbit://guest:guest@127.0.0.1:5672/ --prepare-db \
        [--engines 2] [--executors 2] [--duration 180] [--kill-every 15]

or against any API (nothing is killed then)::

    python tools/soak.py --url http://127.0.0.1:8989/v2 --duration 60

It keeps `--concurrency` executions of a mixed workflow (parallel
branches and a join, with-items with concurrency, a retried task, a
sub-workflow) running. Every `--kill-every` seconds it kills an engine or
executor with SIGKILL and starts a replacement. At the end it waits for
every execution and reports: executions run, processes killed, lost
(accepted but unknown), stuck (not finished), wrong (failed for another
reason than an action lost with a killed executor, or a wrong output),
failed as lost actions (expected for non-safe-rerun actions on a killed
executor) and duplicated (non-safe-rerun actions that ran twice; counted
only when the script launched the cluster, through the soak.record
action).
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import pathlib
import random
import sys
import threading
import time
import uuid

import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import cluster as cluster_mod  # noqa: E402

TERMINAL = {'SUCCESS', 'ERROR', 'CANCELLED'}
LOST_ACTION = 'The action was lost'


def workflows(suffix: str, record: bool) -> str:
    # With soak.record every run of a non-safe-rerun task is written down.
    unsafe = ('soak.record path=<% $.path %> value=<% $.n %> seconds=0.2'
              if record else 'std.sleep seconds=0.2')
    return f"""\
version: '2.0'
soak_child_{suffix}:
  input: [n]
  output: {{doubled: <% $.doubled %>}}
  tasks:
    double:
      action: std.echo output=<% $.n * 2 %>
      publish: {{doubled: <% task().result %>}}
soak_{suffix}:
  input: [n, path]
  output:
    sum: <% $.sum %>
    doubled: <% $.doubled %>
  tasks:
    start:
      action: {unsafe}
      on-success: [left, right, items, child]
    left:
      action: std.echo output=<% $.n + 1 %>
      publish: {{left: <% task().result %>}}
      on-success: join
    right:
      action: std.sleep seconds=0.3
      safe-rerun: true
      publish: {{right: <% $.n + 2 %>}}
      on-success: join
    items:
      with-items: i in <% range(4) %>
      concurrency: 2
      action: std.echo output=<% $.i %>
      retry: {{count: 2, delay: 0}}
      on-success: join
    child:
      workflow: soak_child_{suffix} n=<% $.n %>
      publish: {{doubled: <% task().result.doubled %>}}
      on-success: join
    join:
      join: all
      action: std.echo output=<% $.left + $.right %>
      publish: {{sum: <% task().result %>}}
"""


def expected(n: int) -> dict:
    return {'sum': 2 * n + 3, 'doubled': 2 * n}


class Soak:
    def __init__(self, url: str, cluster: cluster_mod.Cluster | None,
                 runs_file: pathlib.Path | None, concurrency: int,
                 kill_every: float, seed: int) -> None:
        self.url = url.rstrip('/')
        self.cluster = cluster
        self.runs_file = runs_file
        self.concurrency = concurrency
        self.kill_every = kill_every
        self.rng = random.Random(seed)
        self.suffix = uuid.uuid4().hex[:8]
        self.started: dict[str, int] = {}
        self.start_failures = 0
        self.killed: collections.Counter = collections.Counter()
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def _post(self, n: int) -> None:
        body = {'workflow_name': f'soak_{self.suffix}',
                'input': {'n': n, 'path': str(self.runs_file or '')}}
        try:
            resp = requests.post(f'{self.url}/executions', json=body,
                                 timeout=30)
        except requests.RequestException:
            resp = None
        with self._lock:
            if resp is not None and resp.status_code == 201:
                self.started[resp.json()['id']] = n
            else:
                self.start_failures += 1

    def _state(self, ex_id: str) -> dict | None:
        try:
            resp = requests.get(f'{self.url}/executions/{ex_id}', timeout=10)
        except requests.RequestException:
            return None
        if resp.status_code == 404:
            return {'state': 'MISSING'}
        return resp.json() if resp.status_code == 200 else None

    def _load(self, duration: float) -> None:
        deadline = time.monotonic() + duration
        n = 0
        pending: set[str] = set()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            while time.monotonic() < deadline:
                pending = {i for i in pending
                           if (self._state(i) or {}).get('state')
                           not in TERMINAL}
                want = self.concurrency - len(pending)
                before = set(self.started)
                list(pool.map(self._post, range(n, n + max(want, 0))))
                n += max(want, 0)
                pending |= set(self.started) - before
                time.sleep(0.5)

    def _killer(self) -> None:
        while not self._stop.wait(self.kill_every):
            victim = self.cluster.kill_random(self.rng)
            role = victim.services
            self.killed[role] += 1
            print(f'  killed {victim.name} (pid {victim.proc.pid}); '
                  'starting a replacement', flush=True)
            self.cluster.replace(victim)

    def run(self, duration: float, drain: float) -> dict:
        resp = requests.post(f'{self.url}/workflows',
                             data=workflows(self.suffix,
                                            self.runs_file is not None),
                             headers={'Content-Type': 'text/plain'},
                             timeout=30)
        resp.raise_for_status()
        killer = None
        if self.cluster is not None and self.kill_every > 0:
            killer = threading.Thread(target=self._killer, daemon=True)
            killer.start()
        self._load(duration)
        self._stop.set()
        if killer:
            killer.join()
        return self._report(drain)

    def _report(self, drain: float) -> dict:
        final: dict[str, dict] = {}
        deadline = time.monotonic() + drain
        while True:
            for ex_id in set(self.started) - set(final):
                ex = self._state(ex_id)
                if ex and ex['state'] in TERMINAL | {'MISSING'}:
                    final[ex_id] = ex
            if len(final) == len(self.started) or \
                    time.monotonic() > deadline:
                break
            time.sleep(1)
        counts = collections.Counter()
        for ex_id, n in self.started.items():
            ex = final.get(ex_id)
            if ex is None:
                counts['stuck'] += 1
            elif ex['state'] == 'MISSING':
                counts['lost'] += 1
            elif ex['state'] == 'SUCCESS':
                ok = json.loads(ex['output'] or '{}') == expected(n)
                counts['succeeded' if ok else 'wrong'] += 1
            elif LOST_ACTION in (ex.get('state_info') or ''):
                counts['failed_lost_action'] += 1
            else:
                counts['wrong'] += 1
        duplicated = None
        if self.runs_file is not None:
            lines = self.runs_file.read_text().split() \
                if self.runs_file.exists() else []
            duplicated = sum(1 for c in collections.Counter(lines).values()
                             if c > 1)
        return {'executions_run': len(self.started),
                'start_failures': self.start_failures,
                'processes_killed': dict(self.killed),
                'succeeded': counts['succeeded'],
                'failed_lost_action': counts['failed_lost_action'],
                'lost': counts['lost'], 'stuck': counts['stuck'],
                'wrong': counts['wrong'], 'duplicated': duplicated}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--url', help='API to load (no killing)')
    parser.add_argument('--db', help='launch a cluster on this database')
    parser.add_argument('--transport', help='... and this broker')
    parser.add_argument('--engines', type=int, default=2)
    parser.add_argument('--executors', type=int, default=2)
    parser.add_argument('--prepare-db', action='store_true')
    parser.add_argument('--workdir')
    parser.add_argument('--duration', type=float, default=180)
    parser.add_argument('--drain', type=float, default=180,
                        help='seconds to wait for the last executions')
    parser.add_argument('--concurrency', type=int, default=20)
    parser.add_argument('--kill-every', type=float, default=15)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args(argv)
    if bool(args.url) == bool(args.db and args.transport):
        parser.error('give either --url or --db and --transport')
    cluster = runs_file = None
    url = args.url
    if args.db:
        workdir = pathlib.Path(args.workdir) if args.workdir else None
        cluster = cluster_mod.Cluster(
            args.db, args.transport, args.engines, args.executors,
            workdir=str(workdir) if workdir else None, record_runs='yes',
            # Notice a killed executor within ~10 s.
            extra={'action_heartbeat': {'check_interval': 2,
                                        'max_missed_heartbeats': 5,
                                        'first_heartbeat_timeout': 60},
                   'engine': {'outbox_resend_after': 10}})
        runs_file = cluster.workdir / 'runs'
        if args.prepare_db:
            cluster_mod.prepare_database(args.db, cluster.workdir)
        cluster.start()
        url = cluster.url
        print(f'Cluster at {url} (logs in {cluster.workdir})', flush=True)
    try:
        report = Soak(url, cluster, runs_file, args.concurrency,
                      args.kill_every, args.seed).run(args.duration,
                                                      args.drain)
    finally:
        if cluster is not None:
            cluster.stop()
    print(json.dumps(report, indent=2))
    bad = report['lost'] + report['stuck'] + report['wrong'] + \
        (report['duplicated'] or 0)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
