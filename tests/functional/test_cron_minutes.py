"""A cron trigger in real time: pattern `* * * * *`, three executions,
two `periodic` services racing for it, over RabbitMQ on PostgreSQL.

The trigger fires once in each of three consecutive minutes (never twice
for one minute although both services check it every second), counts its
remaining executions down and is deleted after the last. This takes
between two and three minutes of wall time: cron minutes cannot be
shortened, only the check interval.
"""
from __future__ import annotations

import datetime
import json
import time
import uuid

import pytest
import requests

from mistral.db.models import utcnow
from tests.conftest import DB_ENV, _service_url, empty_database
from tests.server import (MistralServer, create_workflows, delete_queues,
                          prepare_database, wait_for_execution, wait_until)

RUNS = 3
# `mistral.periodic.cron.LOOKAHEAD`: a trigger may fire this much early.
EARLY = datetime.timedelta(seconds=2)
# How late a firing may be on a busy machine and still count for its
# minute (it would be far later, a minute, if one were skipped).
LATE = datetime.timedelta(seconds=30)
TIME_FORMAT = '%Y-%m-%d %H:%M:%S'
START_LINE = "Cron trigger 'every_minute' starts workflow"

WORKFLOW = """\
version: '2.0'
minutely:
  input: [note]
  tasks:
    tick:
      action: std.echo output=<% $.note %>
"""


def parse(value: str) -> datetime.datetime:
    return datetime.datetime.strptime(value[:19], TIME_FORMAT)


def at_least(items: list, n: int) -> list | None:
    return items if len(items) >= n else None


@pytest.fixture
def servers(tmp_path):
    """One api,engine,executor process and two periodic-only ones."""
    db_url = empty_database(_service_url(DB_ENV['postgresql']))
    rabbit = _service_url('MISTRAL_TEST_RABBIT')
    prepare_database(tmp_path / 'db', db_url)
    suffix = uuid.uuid4().hex[:12]
    extra = {
        # Unique topics: stale queues of other runs never deliver here.
        'engine': {'topic': f'test_engine_{suffix}'},
        'executor': {'topic': f'test_executor_{suffix}'},
        'cron_trigger': {'execution_interval': 1},
    }
    main = MistralServer(tmp_path, db_url, 'api,engine,executor',
                         transport_url=rabbit, extra=extra, name='main')
    periodic = [MistralServer(tmp_path, db_url, 'periodic',
                              transport_url=rabbit, extra=extra,
                              name=f'periodic-{i}') for i in range(2)]
    started: list[MistralServer] = []
    try:
        for server in (main, *periodic):
            started.append(server.start())
        yield main, periodic
    finally:
        for server in started:
            server.terminate()
        for server in started:
            server.stop()
        delete_queues(rabbit, [f'test_engine_{suffix}',
                               f'test_executor_{suffix}'])


def test_every_minute_three_times_then_gone(servers) -> None:
    main, periodic = servers
    api = main.api
    for server in periodic:
        assert 'Cron triggers checked every 1s' in server.log_text(), \
            server.log_tail()
    assert 'Cron triggers checked' not in main.log_text()
    create_workflows(api, WORKFLOW)

    resp = requests.post(f'{api}/cron_triggers', json={
        'name': 'every_minute', 'workflow_name': 'minutely',
        'workflow_input': {'note': 'tick'}, 'pattern': '* * * * *',
        'remaining_executions': RUNS}, timeout=10)
    assert resp.status_code == 201, resp.text
    trigger = resp.json()
    trigger_id = trigger['id']
    created = parse(trigger['created_at'])
    first = parse(trigger['next_execution_time'])
    # The next whole minute after creation.
    assert first.second == 0 and \
        datetime.timedelta(0) < first - created <= \
        datetime.timedelta(minutes=1), trigger
    due = [first + datetime.timedelta(minutes=i) for i in range(RUNS)]

    def executions() -> list[dict]:
        resp = requests.get(f'{api}/executions',
                            params={'workflow_name': 'minutely',
                                    'sort_keys': 'created_at',
                                    'sort_dirs': 'asc'}, timeout=10)
        assert resp.status_code == 200, resp.text
        return resp.json()['executions']

    seen: list[dict] = []
    for n in range(1, RUNS + 1):
        # Minute n-1 has not come yet: nothing for it may exist.
        before = due[n - 1] - EARLY - datetime.timedelta(seconds=1)
        now = utcnow()
        if now < before:
            time.sleep((before - now).total_seconds())
            assert len(executions()) == n - 1
        remaining = (due[n - 1] + LATE
                     - utcnow()).total_seconds()
        seen = wait_until(lambda: at_least(executions(), n),
                          timeout=max(remaining, 1), interval=0.5,
                          message=f'cron execution {n} of {RUNS}')
        assert len(seen) == n, [e['created_at'] for e in seen]
        resp = requests.get(f'{api}/cron_triggers/{trigger_id}', timeout=10)
        if n < RUNS:
            # Advanced once per firing: to the following minute.
            assert resp.status_code == 200, resp.text
            assert resp.json()['remaining_executions'] == RUNS - n
            assert parse(resp.json()['next_execution_time']) == due[n]
        else:
            assert resp.status_code == 404, resp.text
            assert 'Cron trigger not found' in resp.json()['faultstring']

    # Both services keep checking every second: nothing fires any more.
    time.sleep(5)
    found = executions()
    assert [e['id'] for e in found] == [e['id'] for e in seen]
    assert requests.get(f'{api}/cron_triggers', timeout=10).json() == \
        {'cron_triggers': []}

    # One execution in each minute, in its own minute's window.
    for ex, minute in zip(found, due):
        at = parse(ex['created_at'])
        assert minute - EARLY - datetime.timedelta(seconds=1) <= at <= \
            minute + LATE, (ex['created_at'], minute)
    starts = [parse(e['created_at']) for e in found]
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:])]
    assert all(30 < gap < 90 for gap in gaps), gaps
    assert len({(at + EARLY).replace(second=0) for at in starts}) == RUNS

    # Upstream's description, input and final state.
    for ex in found:
        assert json.loads(ex['description']) == {
            'description': 'Workflow execution created by cron trigger '
                           f"'({trigger_id})'.",
            'triggered_by': {'type': 'cron_trigger', 'id': trigger_id}}
        assert json.loads(ex['input']) == {'note': 'tick'}
        assert json.loads(ex['params']) == {'namespace': '', 'env': {}}
        done = wait_for_execution(api, ex['id'], timeout=30)
        assert done['state'] == 'SUCCESS', done['state_info']

    # Exactly one start per firing across both services' logs.
    logs = [server.log_text() for server in periodic]
    assert sum(log.count(START_LINE) for log in logs) == RUNS, \
        [server.log_tail() for server in periodic]
    for server in (main, *periodic):
        assert 'Traceback' not in server.log_text(), server.log_tail()
