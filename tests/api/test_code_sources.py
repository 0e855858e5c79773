"""/v2/code_sources and /v2/dynamic_actions on a real server, and dynamic
actions run by workflows and standalone."""
from __future__ import annotations

import textwrap

import requests

from tests.server import create_workflows, run_workflow, loads

GREETER = textwrap.dedent('''
    from mistral_lib import actions

    PREFIX = 'Hello'


    class Greet(actions.Action):
        """Greets somebody."""

        def __init__(self, name, punctuation='!'):
            self.name = name
            self.punctuation = punctuation

        def run(self, context):
            return (f'{PREFIX}, {self.name}{self.punctuation} '
                    f'[{context.execution.workflow_name}]')


    class Broken(actions.Action):
        def run(self, context):
            return actions.Result(error='broken on purpose')
''')


def _post_code(api, name, content, **params):
    return requests.post(f'{api}/code_sources', data=content.encode(),
                         params={'name': name, **params},
                         headers={'Content-Type': 'text/plain'}, timeout=10)


def _put_code(api, identifier, content, **params):
    return requests.put(f'{api}/code_sources', data=content.encode(),
                        params={'identifier': identifier, **params},
                        headers={'Content-Type': 'text/plain'}, timeout=10)


def _post_dyn(api, **body):
    return requests.post(f'{api}/dynamic_actions', json=body, timeout=10)


def test_code_source_lifecycle(api, uniq):
    name = f'mod_{uniq}'
    resp = _post_code(api, name, GREETER)
    assert resp.status_code == 201, resp.text
    assert resp.headers['Content-Type'].startswith('application/json')
    created = resp.json()
    assert created['name'] == name and created['namespace'] == ''
    assert created['version'] == 1 and created['scope'] == 'private'
    assert created['content'] == GREETER
    assert created['actions'] == []

    dup = _post_code(api, name, GREETER)
    assert dup.status_code == 409
    assert 'Duplicate entry for CodeSource' in dup.json()['faultstring']

    by_name = requests.get(f'{api}/code_sources/{name}', timeout=10).json()
    by_id = requests.get(f'{api}/code_sources/{created["id"]}',
                         timeout=10).json()
    assert by_name == by_id
    assert by_name['id'] == created['id']

    some = requests.get(f'{api}/code_sources', timeout=10,
                        params={'fields': 'name,version',
                                'name': name}).json()['code_sources']
    assert some == [{'id': created['id'], 'name': name, 'version': 1}]

    updated = _put_code(api, name, GREETER + '\n# v2\n')
    assert updated.status_code == 200, updated.text
    assert updated.json()['version'] == 2
    assert updated.json()['content'].endswith('# v2\n')

    assert requests.delete(f'{api}/code_sources/{name}',
                           timeout=10).status_code == 204
    gone = requests.get(f'{api}/code_sources/{name}', timeout=10)
    assert gone.status_code == 404
    assert gone.json()['faultstring'] == (
        f'CodeSource not found [identifier={name}, namespace=]')


def test_code_source_errors(api, uniq):
    bad = _post_code(api, f'bad_{uniq}', 'def broken(:\n')
    assert bad.status_code == 400
    assert 'is not valid Python' in bad.json()['faultstring']
    assert requests.get(f'{api}/code_sources/bad_{uniq}',
                        timeout=10).status_code == 404
    no_name = requests.post(f'{api}/code_sources', data=b'x = 1',
                            headers={'Content-Type': 'text/plain'},
                            timeout=10)
    assert no_name.status_code == 400
    assert 'Name of the code source' in no_name.json()['faultstring']
    assert _put_code(api, f'missing_{uniq}', 'x = 1').status_code == 404
    scope = _post_code(api, f's_{uniq}', 'x = 1', scope='nobody')
    assert scope.status_code == 400


def test_dynamic_action_lifecycle(api, uniq):
    code = _post_code(api, f'lib_{uniq}', GREETER).json()
    missing = _post_dyn(api, name=f'greet_{uniq}', class_name='Greet')
    assert missing.status_code == 400
    assert missing.json()['faultstring'] == (
        "Either 'code_source_id' or 'code_source_name' must be provided.")
    unknown = _post_dyn(api, name=f'greet_{uniq}', class_name='Greet',
                        code_source_name=f'nope_{uniq}')
    assert unknown.status_code == 404
    extra = _post_dyn(api, name=f'greet_{uniq}', class_name='Greet',
                      code_source_id=code['id'], colour='red')
    assert extra.status_code == 400 and 'colour' in \
        extra.json()['faultstring']

    resp = _post_dyn(api, name=f'greet_{uniq}', class_name='Greet',
                     code_source_name=f'lib_{uniq}')
    assert resp.status_code == 201, resp.text
    dyn = resp.json()
    assert dyn['code_source_id'] == code['id']
    assert dyn['code_source_name'] == f'lib_{uniq}'
    assert dyn['class_name'] == 'Greet' and dyn['namespace'] == ''
    assert _post_dyn(api, name=f'greet_{uniq}', class_name='Greet',
                     code_source_id=code['id']).status_code == 409

    got = requests.get(f'{api}/dynamic_actions/greet_{uniq}',
                       timeout=10).json()
    assert got == dyn
    listed = requests.get(f'{api}/dynamic_actions', timeout=10,
                          params={'name': f'greet_{uniq}'}).json()
    assert [d['id'] for d in listed['dynamic_actions']] == [dyn['id']]
    source = requests.get(f'{api}/code_sources/{code["id"]}',
                          timeout=10).json()
    assert source['actions'] == [f'greet_{uniq}']

    # GET /v2/actions shows it like upstream: id = name, signature, doc.
    action = requests.get(f'{api}/actions/greet_{uniq}', timeout=10).json()
    assert action['id'] == f'greet_{uniq}'
    assert action['is_system'] is False
    assert action['input'] == 'name, punctuation="!"'
    assert action['description'] == 'Greets somebody.'

    changed = requests.put(f'{api}/dynamic_actions', timeout=10,
                           json={'name': f'greet_{uniq}',
                                 'class_name': 'Broken'})
    assert changed.status_code == 200, changed.text
    assert changed.json()['class_name'] == 'Broken'
    nameless = requests.put(f'{api}/dynamic_actions', json={}, timeout=10)
    assert nameless.status_code == 400
    assert nameless.json()['faultstring'] == \
        "Either 'name' or 'id' must be provided."

    assert requests.delete(f'{api}/dynamic_actions/greet_{uniq}',
                           timeout=10).status_code == 204
    assert requests.get(f'{api}/dynamic_actions/greet_{uniq}',
                        timeout=10).status_code == 404

    # Deleting a code source deletes its dynamic actions.
    assert _post_dyn(api, name=f'again_{uniq}', class_name='Greet',
                     code_source_id=code['id']).status_code == 201
    assert requests.delete(f'{api}/code_sources/{code["id"]}',
                           timeout=10).status_code == 204
    assert requests.get(f'{api}/dynamic_actions/again_{uniq}',
                        timeout=10).status_code == 404


WF = '''
version: '2.0'
{name}:
  input: [who]
  output:
    said: <% $.said %>
  tasks:
    greet:
      action: {action} name=<% $.who %>
      publish:
        said: <% task().result %>
'''


def test_workflow_runs_dynamic_action(api, uniq):
    code = _post_code(api, f'run_{uniq}', GREETER).json()
    assert _post_dyn(api, name=f'say_{uniq}', class_name='Greet',
                     code_source_id=code['id']).status_code == 201
    create_workflows(api, WF.format(name=f'wf_{uniq}',
                                    action=f'say_{uniq}'))
    ex = run_workflow(api, f'wf_{uniq}', {'who': 'Ada'})
    assert ex['state'] == 'SUCCESS', ex['state_info']
    assert loads(ex['output'])['said'] == f'Hello, Ada! [wf_{uniq}]'

    # A new version of the code source is what runs next.
    assert _put_code(api, code['id'], GREETER.replace(
        "PREFIX = 'Hello'", "PREFIX = 'Bye'")).status_code == 200
    ex = run_workflow(api, f'wf_{uniq}', {'who': 'Ada'})
    assert loads(ex['output'])['said'] == f'Bye, Ada! [wf_{uniq}]'

    # Standalone run, synchronous.
    run = requests.post(f'{api}/action_executions', timeout=30, json={
        'name': f'say_{uniq}', 'input': {'name': 'Bob',
                                         'punctuation': '?'}})
    assert run.status_code == 201, run.text
    assert loads(run.json()['output']) == {'result': 'Bye, Bob? [None]'}


def test_dynamic_action_failures(api, uniq):
    code = _post_code(api, f'fail_{uniq}', GREETER).json()
    for action, cls in ((f'broken_{uniq}', 'Broken'),
                        (f'ghost_{uniq}', 'Ghost')):
        assert _post_dyn(api, name=action, class_name=cls,
                         code_source_id=code['id']).status_code == 201
    create_workflows(api, WF.format(name=f'wfb_{uniq}',
                                    action=f'broken_{uniq}').replace(
        ' name=<% $.who %>', ''))
    ex = run_workflow(api, f'wfb_{uniq}', {'who': 'x'})
    assert ex['state'] == 'ERROR'
    assert 'broken on purpose' in ex['state_info']

    create_workflows(api, WF.format(name=f'wfg_{uniq}',
                                    action=f'ghost_{uniq}'))
    ex = run_workflow(api, f'wfg_{uniq}', {'who': 'x'})
    assert ex['state'] == 'ERROR'
    assert f"Class 'Ghost' of dynamic action 'ghost_{uniq}' not found" \
        in ex['state_info']
