"""Notifications: a real webhook receiver on 127.0.0.1 gets the events of
real executions run by real `mistral-server` processes."""
from __future__ import annotations

import json
import os
import uuid

import pytest
import requests

from tests.api.webhook_receiver import WebhookReceiver
from tests.server import (MistralServer, create_workflows, loads,
                          run_workflow, start_execution, wait_until)

WORKFLOW_FIELDS = {'id', 'name', 'workflow_name', 'workflow_namespace',
                   'workflow_id', 'state', 'state_info', 'project_id',
                   'task_execution_id', 'root_execution_id', 'created_at',
                   'updated_at'}
TASK_FIELDS = {'id', 'name', 'workflow_execution_id', 'workflow_name',
               'workflow_namespace', 'workflow_id', 'state', 'state_info',
               'type', 'project_id', 'created_at', 'updated_at',
               'started_at', 'finished_at'}

RETRY_AND_FAIL = """version: '2.0'
{name}:
  tasks:
    first:
      action: std.echo output=1
      on-success: flaky
    flaky:
      action: std.fail
      retry: count=1 delay=1
"""

# Every event of RETRY_AND_FAIL, in order: (event, name, state).
RETRY_AND_FAIL_EVENTS = [
    ('WORKFLOW_LAUNCHED', 'wf', 'RUNNING'),
    ('TASK_LAUNCHED', 'first', 'RUNNING'),
    ('TASK_SUCCEEDED', 'first', 'SUCCESS'),
    ('TASK_LAUNCHED', 'flaky', 'RUNNING'),
    ('TASK_FAILED', 'flaky', 'ERROR'),     # the first attempt
    ('TASK_LAUNCHED', 'flaky', 'RUNNING'),  # the retry
    ('TASK_FAILED', 'flaky', 'ERROR'),
    ('WORKFLOW_FAILED', 'wf', 'ERROR'),
]


@pytest.fixture(scope='module')
def receiver():
    with WebhookReceiver() as r:
        yield r


@pytest.fixture(scope='module')
def server(tmp_path_factory, receiver):
    """All services in one process; [notifier] type = remote (the
    default) with the notifier service in the same process, and a global
    publisher for workflow ends."""
    workdir = tmp_path_factory.mktemp('notify-server')
    global_hook = [{'type': 'webhook', 'url': f'{receiver.url}/global',
                    'event_types': ['WORKFLOW_SUCCEEDED',
                                    'WORKFLOW_FAILED']}]
    srv = MistralServer(workdir, f'sqlite:///{workdir}/mistral.sqlite',
                        extra={'notifier': {'notify':
                                            json.dumps(global_hook)}})
    srv.start()
    yield srv
    srv.stop()


def hook(receiver: WebhookReceiver, path: str, **extra) -> dict:
    return {'type': 'webhook', 'url': f'{receiver.url}/{path}', **extra}


def calls_at(receiver: WebhookReceiver, root_id: str, path: str,
             count: int) -> list[dict]:
    """Wait for `count` calls about an execution tree at /path."""
    def got():
        calls = [c for c in receiver.for_execution(root_id)
                 if c['path'] == f'/{path}']
        return calls if len(calls) >= count else None
    calls = wait_until(got, 15, message=lambda: f'{count} calls at /{path}; '
                       f'got {receiver.for_execution(root_id)}')
    assert len(calls) == count, calls
    return calls


def check_sequence(calls: list[dict], wf_name: str, ex_id: str) -> None:
    seen = [(c['headers']['x-mistral-event'], c['body']['name'],
             c['body']['state']) for c in calls]
    expected = [(event, wf_name if name == 'wf' else name, state)
                for event, name, state in RETRY_AND_FAIL_EVENTS]
    assert seen == expected
    for call in calls:
        body = call['body']
        if call['headers']['x-mistral-event'].startswith('WORKFLOW_'):
            assert set(body) == WORKFLOW_FIELDS
            assert body['id'] == ex_id
            assert body['root_execution_id'] is None
            assert body['task_execution_id'] is None
        else:
            assert set(body) == TASK_FIELDS
            assert body['workflow_execution_id'] == ex_id
            assert body['type'] == 'ACTION'
            assert body['started_at'] is not None
        assert body['workflow_name'] == wf_name
        assert body['project_id'] == '<default-project>'
        assert body['created_at'] and body['updated_at']
    flaky = [c['body'] for c in calls if c['body']['name'] == 'flaky']
    assert len({b['id'] for b in flaky}) == 1  # one task, two attempts
    failed = [b for b in flaky if b['state'] == 'ERROR']
    assert all('Fail action expected exception' in b['state_info'] and
               b['finished_at'] for b in failed)
    # The two attempts ran different action executions.
    assert failed[0]['state_info'] != failed[1]['state_info']
    assert all(b['state_info'] is None and b['finished_at'] is None
               for b in flaky if b['state'] == 'RUNNING')
    end = calls[-1]['body']
    assert end['state_info'].startswith('Failure caused by error in tasks: '
                                        'flaky')


def test_every_event_in_order(server, receiver) -> None:
    name = f'notify_{uuid.uuid4().hex[:8]}'
    create_workflows(server.api, RETRY_AND_FAIL.format(name=name))
    ex = run_workflow(server.api, name, params={'notify': [
        hook(receiver, 'all', headers={'X-Token': 'secret'})]})
    assert ex['state'] == 'ERROR'
    calls = calls_at(receiver, ex['id'], 'all', len(RETRY_AND_FAIL_EVENTS))
    check_sequence(calls, name, ex['id'])
    assert all(c['headers']['x-token'] == 'secret' and
               c['headers']['content-type'] == 'application/json'
               for c in calls)
    # The global publisher ([notifier] notify) was added to the
    # execution's params and got the end of the workflow only.
    params = loads(ex['params'])
    assert params['notify'][-1]['url'].endswith('/global')
    ends = calls_at(receiver, ex['id'], 'global', 1)
    assert ends[0]['headers']['x-mistral-event'] == 'WORKFLOW_FAILED'


def test_subworkflows_filters_and_failing_publishers(server,
                                                     receiver) -> None:
    uniq = uuid.uuid4().hex[:8]
    create_workflows(server.api, f"""version: '2.0'
parent_{uniq}:
  tasks:
    call:
      workflow: child_{uniq}
child_{uniq}:
  tasks:
    hello:
      action: std.echo output=hi
""")
    with WebhookReceiver(status=500) as broken:
        ex = run_workflow(server.api, f'parent_{uniq}', params={'notify': [
            # A receiver that fails every call changes nothing for the
            # workflow or for the other publishers.
            hook(broken, 'broken'),
            {'type': 'noop'},
            hook(receiver, 'wf', event_types=['WORKFLOW_LAUNCHED',
                                              'WORKFLOW_SUCCEEDED'])]})
        assert ex['state'] == 'SUCCESS'
        calls = calls_at(receiver, ex['id'], 'wf', 4)
        wait_until(lambda: len(broken.calls) == 8, 10,
                   message=lambda: f'8 calls, got {len(broken.calls)}')
    seen = [(c['headers']['x-mistral-event'], c['body']['name'])
            for c in calls]
    assert seen == [('WORKFLOW_LAUNCHED', f'parent_{uniq}'),
                    ('WORKFLOW_LAUNCHED', f'child_{uniq}'),
                    ('WORKFLOW_SUCCEEDED', f'child_{uniq}'),
                    ('WORKFLOW_SUCCEEDED', f'parent_{uniq}')]
    child = calls[1]['body']
    assert child['root_execution_id'] == ex['id']
    assert child['task_execution_id'] is not None


def test_pause_resume_events(server, receiver) -> None:
    name = f'pausing_{uuid.uuid4().hex[:8]}'
    create_workflows(server.api, f"""version: '2.0'
{name}:
  tasks:
    hold:
      action: std.noop
      on-success: done
    done:
      pause-before: true
      action: std.noop
""")
    ex = start_execution(server.api, name, params={'notify': [
        hook(receiver, 'pr', event_types=['WORKFLOW_PAUSED',
                                          'WORKFLOW_RESUMED',
                                          'WORKFLOW_SUCCEEDED',
                                          'TASK_RESUMED'])]})
    calls_at(receiver, ex['id'], 'pr', 1)
    resp = requests.put(f'{server.api}/executions/{ex["id"]}',
                        json={'state': 'RUNNING'}, timeout=10)
    assert resp.status_code == 200, resp.text
    calls = calls_at(receiver, ex['id'], 'pr', 4)
    assert [(c['headers']['x-mistral-event'], c['body']['name'])
            for c in calls] == [('WORKFLOW_PAUSED', name),
                                ('WORKFLOW_RESUMED', name),
                                ('TASK_RESUMED', 'done'),
                                ('WORKFLOW_SUCCEEDED', name)]


@pytest.mark.parametrize('notify, message', [
    ('hook', 'params.notify must be a list'),
    ([{'url': 'http://x'}], 'params.notify[0].type is required'),
    ([{'type': 'carrier_pigeon'}], 'unknown notification publisher type'),
    ([{'type': 'webhook'}], 'params.notify[0].url is required'),
    ([{'type': 'noop', 'event_types': ['TASK_EXPLODED']}],
     'unknown event type(s) TASK_EXPLODED'),
])
def test_bad_notify_is_400(server, notify, message) -> None:
    name = f'bad_notify_{uuid.uuid4().hex[:8]}'
    create_workflows(server.api, f"""version: '2.0'
{name}:
  tasks:
    t:
      action: std.noop
""")
    resp = requests.post(f'{server.api}/executions', timeout=10, json={
        'workflow_name': name, 'params': {'notify': notify}})
    assert resp.status_code == 400, resp.text
    assert message in resp.json()['faultstring']


def test_local_notifier(tmp_path, receiver) -> None:
    """[notifier] type = local: the engine delivers the events itself."""
    with MistralServer(tmp_path, f'sqlite:///{tmp_path}/local.sqlite',
                       extra={'notifier': {'type': 'local'}}) as srv:
        name = f'local_{uuid.uuid4().hex[:8]}'
        create_workflows(srv.api, RETRY_AND_FAIL.format(name=name))
        ex = run_workflow(srv.api, name, params={'notify': [
            hook(receiver, 'local')]})
        calls = calls_at(receiver, ex['id'], 'local',
                         len(RETRY_AND_FAIL_EVENTS))
        check_sequence(calls, name, ex['id'])


@pytest.mark.skipif(not os.environ.get('MISTRAL_TEST_RABBIT'),
                    reason='MISTRAL_TEST_RABBIT is not set')
def test_remote_notifier_process(tmp_path, receiver) -> None:
    """[notifier] type = remote over RabbitMQ: the engine's events reach
    a separate `mistral-server --server notifier` process."""
    suffix = uuid.uuid4().hex[:12]
    topics = {'engine': {'topic': f'test_engine_{suffix}'},
              'executor': {'topic': f'test_executor_{suffix}'},
              'notifier': {'topic': f'test_notifier_{suffix}',
                           'type': 'remote'}}
    db = f'sqlite:///{tmp_path}/remote.sqlite'
    rabbit = os.environ['MISTRAL_TEST_RABBIT']
    with MistralServer(tmp_path, db, services='api,engine,executor',
                       transport_url=rabbit, extra=topics) as main, \
            MistralServer(tmp_path, db, services='notifier',
                          transport_url=rabbit, extra=topics) as notifier:
        name = f'remote_{uuid.uuid4().hex[:8]}'
        create_workflows(main.api, RETRY_AND_FAIL.format(name=name))
        ex = run_workflow(main.api, name, params={'notify': [
            hook(receiver, 'remote')]})
        calls = calls_at(receiver, ex['id'], 'remote',
                         len(RETRY_AND_FAIL_EVENTS))
        check_sequence(calls, name, ex['id'])
        assert 'Webhook WORKFLOW_FAILED' in notifier.log_text()
        assert 'Webhook' not in main.log_text()
