"""/v2/event_triggers against a real server: validation, errors, CRUD,
filters and visibility (the event engine itself is tested in
tests/functional/test_event_engine.py)."""
from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.server import create_workflows, loads

TIMESTAMP = re.compile(r'^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$')


@pytest.fixture(scope='module')
def workflow(api) -> dict:
    wf, = create_workflows(api, """---
version: '2.0'
event_wf:
  input:
    - who: world
  tasks:
    say:
      action: std.echo output=<% $.who %>
""")
    return wf


def create(api: str, **body) -> requests.Response:
    return requests.post(f'{api}/event_triggers', json=body, timeout=10)


def body(workflow: dict, **extra) -> dict:
    return {'exchange': 'nova', 'topic': 'notifications',
            'event': f'compute.instance.{uuid.uuid4().hex[:8]}',
            'workflow_id': workflow['id'], **extra}


def created(api: str, **values) -> dict:
    resp = create(api, **values)
    assert resp.status_code == 201, resp.text
    return resp.json()


def fault(resp: requests.Response, status: int) -> str:
    assert resp.status_code == status, (resp.status_code, resp.text)
    return resp.json()['faultstring']


def test_create_get_list_delete(api, workflow):
    trig = created(api, **body(workflow, name='on-create',
                               workflow_input={'who': 'nova'},
                               workflow_params={'env': {'a': 1}}))
    assert trig['name'] == 'on-create'
    assert trig['workflow_id'] == workflow['id']
    assert loads(trig['workflow_input']) == {'who': 'nova'}
    assert loads(trig['workflow_params']) == {'env': {'a': 1}}
    assert (trig['exchange'], trig['topic']) == ('nova', 'notifications')
    assert trig['scope'] == 'private'
    assert trig['project_id'] == '<default-project>'
    assert TIMESTAMP.match(trig['created_at'])
    uuid.UUID(trig['id'])

    got = requests.get(f"{api}/event_triggers/{trig['id']}", timeout=10)
    assert got.status_code == 200
    assert got.json() == trig

    listed = requests.get(f'{api}/event_triggers', timeout=10).json()
    assert trig['id'] in [t['id'] for t in listed['event_triggers']]

    resp = requests.delete(f"{api}/event_triggers/{trig['id']}", timeout=10)
    assert resp.status_code == 204
    assert 'Event trigger not found' in fault(
        requests.get(f"{api}/event_triggers/{trig['id']}", timeout=10), 404)
    fault(requests.delete(f"{api}/event_triggers/{trig['id']}",
                          timeout=10), 404)


def test_name_is_optional(api, workflow):
    trig = created(api, **body(workflow))
    assert trig['name'] == ''
    assert loads(trig['workflow_input']) == {}


@pytest.mark.parametrize('missing', ['exchange', 'topic', 'event',
                                     'workflow_id'])
def test_mandatory_fields(api, workflow, missing):
    values = body(workflow)
    del values[missing]
    message = fault(create(api, **values), 400)
    assert 'must be provided for creating event trigger' in message
    assert missing in message


def test_validation(api, workflow):
    assert 'Expected a uuid but received abc' in fault(
        create(api, **body(workflow, workflow_id='abc')), 400)
    missing = str(uuid.uuid4())
    assert 'Workflow not found' in fault(
        create(api, **body(workflow, workflow_id=missing)), 404)
    assert 'scope' in fault(create(api, **body(workflow, scope='team')),
                            400)
    assert 'Unknown attribute for argument event_trigger: bogus' in fault(
        create(api, **body(workflow, bogus=1)), 400)
    assert 'workflow_input' in fault(
        create(api, **body(workflow, workflow_input=[1])), 400)
    # The input is checked against the workflow before anything is stored.
    message = fault(create(api, **body(workflow,
                                       workflow_input={'zz': 1})), 400)
    assert 'zz' in message
    assert 'exchange' in fault(create(api, **body(workflow,
                                                  exchange='x' * 81)), 400)
    assert 'must be a JSON object' in fault(requests.post(
        f'{api}/event_triggers', data='[1]',
        headers={'Content-Type': 'application/json'}, timeout=10), 400)


def test_duplicate_binding_is_409(api, workflow):
    values = body(workflow)
    created(api, **values)
    assert 'Duplicate entry for EventTrigger' in fault(
        create(api, **values), 409)
    # The same event bound to the same workflow on another topic is fine.
    created(api, **{**values, 'topic': 'other'})


def test_bad_ids_are_400(api):
    message = fault(requests.get(f'{api}/event_triggers/abc', timeout=10),
                    400)
    assert "Invalid input for field/attribute id. Value: 'abc'" in message
    fault(requests.delete(f'{api}/event_triggers/abc', timeout=10), 400)
    fault(requests.put(f'{api}/event_triggers/abc', json={'name': 'x'},
                       timeout=10), 400)
    unknown = str(uuid.uuid4())
    assert fault(requests.put(f'{api}/event_triggers/{unknown}',
                              json={'name': 'x'}, timeout=10), 404) == \
        f'Event trigger not found [id={unknown}].'


def test_update(api, workflow):
    trig = created(api, **body(workflow, name='before'))
    url = f"{api}/event_triggers/{trig['id']}"
    resp = requests.put(url, json={'name': 'after',
                                   'workflow_input': {'who': 'x'},
                                   'workflow_params': {'a': 1},
                                   'scope': 'public'}, timeout=10)
    assert resp.status_code == 200, resp.text
    updated = resp.json()
    assert updated['name'] == 'after'
    assert loads(updated['workflow_input']) == {'who': 'x'}
    assert loads(updated['workflow_params']) == {'a': 1}
    assert updated['scope'] == 'public'
    assert updated['event'] == trig['event']
    assert TIMESTAMP.match(updated['updated_at'])
    assert requests.get(url, timeout=10).json() == updated

    for field in ('exchange', 'topic', 'event'):
        message = fault(requests.put(url, json={field: 'x'}, timeout=10),
                        400)
        assert message == ("Can not update fields ['exchange', 'topic', "
                           "'event'] of event trigger.")
    assert 'zz' in fault(requests.put(
        url, json={'workflow_input': {'zz': 1}}, timeout=10), 400)
    fault(requests.put(url, json={'scope': 'bad'}, timeout=10), 400)
    # Nothing of the refused updates was stored.
    assert requests.get(url, timeout=10).json() == updated


def test_fields_filters_and_paging(api, workflow):
    exchange = f'ex-{uuid.uuid4().hex[:8]}'
    ids = [created(api, **body(workflow, exchange=exchange,
                               name=f'p{i}'))['id'] for i in range(3)]
    one = requests.get(f'{api}/event_triggers/{ids[0]}',
                       params={'fields': 'name,event'}, timeout=10).json()
    assert set(one) == {'id', 'name', 'event'}

    listed = requests.get(f'{api}/event_triggers',
                          params={'exchange': exchange, 'sort_keys': 'name',
                                  'fields': 'name'}, timeout=10).json()
    assert [t['name'] for t in listed['event_triggers']] == \
        ['p0', 'p1', 'p2']
    assert set(listed['event_triggers'][0]) == {'id', 'name'}

    page = requests.get(f'{api}/event_triggers',
                        params={'exchange': exchange, 'limit': 2,
                                'sort_keys': 'name'}, timeout=10).json()
    assert len(page['event_triggers']) == 2
    assert 'marker=' in page['next']
    rest = requests.get(page['next'], timeout=10).json()
    assert [t['name'] for t in rest['event_triggers']] == ['p2']

    fault(requests.get(f'{api}/event_triggers', params={'limit': 'x'},
                       timeout=10), 400)
    fault(requests.get(f'{api}/event_triggers', params={'fields': 'nope'},
                       timeout=10), 400)
