"""The event engine end to end: `mistral-server --server
api,engine,executor,event-engine` on PostgreSQL and RabbitMQ; events are
published with oslo.messaging's own Notifier."""
from __future__ import annotations

import json
import time
import uuid

import oslo_messaging as messaging
import pytest
from oslo_context import context as oslo_context
import requests

from mistral import config
from tests.conftest import DB_ENV, _service_url, empty_database
from tests.server import (MistralServer, create_workflows, delete_queues,
                          loads, prepare_database, wait_for_execution,
                          wait_until)

DEFINITIONS = """
- event_types: ['test.*']
  properties:
    instance: <% $.payload.instance_id %>
    project_id: <% $.context.project_id %>
    service: <% $.publisher %>
"""

WORKFLOW = """---
version: '2.0'
on_event:
  input:
    - greeting: hi
  tasks:
    echo:
      action: std.echo output=<% execution().params.event_params.instance %>
      publish:
        instance: <% task().result %>
  output:
    instance: <% $.instance %>
    greeting: <% $.greeting %>
"""

# How long an event that should start nothing is given to do so.
QUIET_WAIT = 2


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    db_url = empty_database(_service_url(DB_ENV['postgresql']))
    rabbit = _service_url('MISTRAL_TEST_RABBIT')
    workdir = tmp_path_factory.mktemp('event-engine')
    prepare_database(workdir / 'db', db_url)
    definitions = workdir / 'event_definitions.yaml'
    definitions.write_text(DEFINITIONS)
    suffix = uuid.uuid4().hex[:10]
    names = {
        'exchange': f'test_ex_{suffix}', 'topic': f'test_events_{suffix}',
        'pool': f'pool_{suffix}', 'ee_topic': f'test_ee_{suffix}',
        'engine_topic': f'test_engine_{suffix}',
        'executor_topic': f'test_executor_{suffix}',
    }
    server = MistralServer(
        workdir, db_url, services='api,engine,executor,event-engine',
        transport_url=rabbit,
        extra={'engine': {'topic': names['engine_topic']},
               'executor': {'topic': names['executor_topic']},
               'event_engine': {
                   'topic': names['ee_topic'],
                   'listener_pool_name': names['pool'],
                   'event_definitions_cfg_file': str(definitions)}})
    server.start()
    conf = config.build_config([])
    conf.set_override('control_exchange', names['exchange'])
    transport = messaging.get_notification_transport(conf, url=rabbit)
    notifier = messaging.Notifier(transport, 'compute.host1',
                                  driver='messagingv2',
                                  topics=[names['topic']])
    yield server, notifier, names
    server.stop()
    transport.cleanup()
    _delete_queues(rabbit, names)


def _delete_queues(rabbit: str, names: dict) -> None:
    """Queues are durable in RabbitMQ: remove this test's."""
    delete_queues(rabbit, [
        f"mistral-{names['exchange']}-{names['pool']}",
        f"{names['topic']}.info", names['ee_topic'],
        f"{names['ee_topic']}.0.0.0.0", names['engine_topic'],
        f"{names['engine_topic']}.0.0.0.0", names['executor_topic'],
        f"{names['executor_topic']}.0.0.0.0"])


def executions_of(api: str, workflow_id: str) -> list[dict]:
    resp = requests.get(f'{api}/executions',
                        params={'workflow_id': workflow_id}, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()['executions']


def create_trigger(api: str, **body) -> dict:
    resp = requests.post(f'{api}/event_triggers', json=body, timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_events_start_the_bound_workflow(deployment):
    server, notifier, names = deployment
    api = server.api
    wf, = create_workflows(api, WORKFLOW)
    log_before = len(server.log_text())
    private = create_trigger(
        api, name='private', exchange=names['exchange'],
        topic=names['topic'], event='test.instance.created',
        workflow_id=wf['id'], workflow_input={'greeting': 'hello'},
        workflow_params={'env': {'k': 'v'}})
    public = create_trigger(
        api, name='public', exchange=names['exchange'],
        topic=names['topic'], event='test.public', workflow_id=wf['id'],
        scope='public')
    # The trigger takes effect without a restart: the API told the event
    # engine, which now listens on the new exchange.
    wait_until(lambda: 'Listening for events on exchange '
               f"{names['exchange']}" in server.log_text()[log_before:], 15,
               message='the event engine to listen on the new exchange')

    # oslo.messaging sends the context of a notification only when it is
    # a RequestContext (a plain dict is dropped).
    own = oslo_context.RequestContext(project_id='<default-project>',
                                      user_id='u1')
    other = oslo_context.RequestContext(project_id='another-project',
                                        user_id='u2')
    # Nothing of these may start a workflow: an event type no trigger
    # names, and the private trigger's event from another project.
    notifier.info(own, 'test.unknown', {'instance_id': 'nope-1'})
    notifier.info(other, 'test.instance.created', {'instance_id': 'nope-2'})
    # These start one execution each.
    notifier.info(own, 'test.instance.created', {'instance_id': 'vm-1'})
    notifier.info(other, 'test.public', {'instance_id': 'vm-2'})

    found = wait_until(lambda: (lambda exs: exs if len(exs) >= 2 else None)(
        executions_of(api, wf['id'])), 30,
        message='two executions started by events')
    time.sleep(QUIET_WAIT)
    executions = executions_of(api, wf['id'])
    assert len(executions) == 2, executions

    by_trigger = {}
    for ex in found:
        done = wait_for_execution(api, ex['id'], timeout=30)
        assert done['state'] == 'SUCCESS', done['state_info']
        description = json.loads(done['description'])
        by_trigger[description['triggered_by']['id']] = done
        assert description['triggered_by']['type'] == 'event_trigger'
    assert set(by_trigger) == {private['id'], public['id']}

    first = by_trigger[private['id']]
    params = loads(first['params'])
    assert params['event_params'] == {
        'instance': 'vm-1', 'project_id': '<default-project>',
        'service': 'compute.host1'}
    assert params['env'] == {'k': 'v'}
    assert loads(first['input']) == {'greeting': 'hello'}
    assert loads(first['output']) == {'instance': 'vm-1',
                                      'greeting': 'hello'}
    assert json.loads(first['description'])['triggered_by']['name'] == \
        'private'

    second = by_trigger[public['id']]
    assert loads(second['params'])['event_params']['project_id'] == \
        'another-project'
    assert loads(second['output'])['instance'] == 'vm-2'


def test_deleted_trigger_stops_firing(deployment):
    server, notifier, names = deployment
    api = server.api
    wf, = create_workflows(api, WORKFLOW.replace('on_event', 'on_event2'))
    trigger = create_trigger(api, exchange=names['exchange'],
                             topic=names['topic'], event='test.deleted',
                             workflow_id=wf['id'])
    own = oslo_context.RequestContext(project_id='<default-project>')
    # The listener on this exchange is already up (first test or not):
    # the trigger fires once it is loaded.
    wait_until(lambda: _fires(api, notifier, wf['id'], own), 30,
               interval=0.5, message='the new trigger to fire')
    log_before = len(server.log_text())
    resp = requests.delete(f"{api}/event_triggers/{trigger['id']}",
                           timeout=10)
    assert resp.status_code == 204
    wait_until(lambda: 'Loaded' in server.log_text()[log_before:], 15,
               message='the event engine to reload')
    # Probes still in flight may start executions: count after they did.
    time.sleep(QUIET_WAIT)
    count = len(executions_of(api, wf['id']))
    notifier.info(own, 'test.deleted', {'instance_id': 'after-delete'})
    time.sleep(QUIET_WAIT)
    assert len(executions_of(api, wf['id'])) == count

    # With no trigger left on the exchange, its listener is closed.
    log_before = len(server.log_text())
    for left in requests.get(f'{api}/event_triggers',
                             timeout=10).json()['event_triggers']:
        requests.delete(f"{api}/event_triggers/{left['id']}", timeout=10)
    wait_until(lambda: 'Stopped listening on exchange '
               f"{names['exchange']}" in server.log_text()[log_before:], 15,
               message='the listener to be closed')


def _fires(api: str, notifier, workflow_id: str, ctxt) -> bool:
    if executions_of(api, workflow_id):
        return True
    notifier.info(ctxt, 'test.deleted', {'instance_id': 'probe'})
    return False
