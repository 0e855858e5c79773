"""The caller's Keystone context stored with an execution: `$.openstack`
in workflows (secrets masked), the security context of actions, and never
the raw token in what the API returns."""
from __future__ import annotations

import json
import textwrap

from mistral.db.models import DEFAULT_PROJECT_ID
from tests.auth.conftest import Caller
from tests.unit.engine.conftest import services  # noqa: F401 (fixture)

# Reports what an action is told about who it acts for.
SECURITY_PROBE = textwrap.dedent('''\
    from mistral_lib import actions


    class Probe(actions.Action):
        def run(self, context):
            security = context.security
            return {'project_id': security.project_id,
                    'project_name': security.project_name,
                    'user_name': security.user_name,
                    'auth_uri': security.auth_uri,
                    'has_token': bool(security.auth_token)}
''')


def _start(caller: Caller, name: str) -> dict:
    started = caller.run(name)
    assert started.status_code == 201, started.text
    ex = caller.wait_finished(started.json()['id'])
    assert ex['state'] == 'SUCCESS', ex
    return ex


def test_workflows_and_actions_see_the_callers_context(alice, admin,
                                                       keystone, uniq):
    creds = keystone.credentials('alpha')
    # Only admins write action code; public, so alice's workflow uses it.
    code = admin.post('/code_sources', data=SECURITY_PROBE.encode(),
                      params={'name': f'probe_{uniq}', 'scope': 'public'},
                      headers={'Content-Type': 'text/plain'})
    assert code.status_code == 201, code.text
    dyn = admin.post('/dynamic_actions', json={
        'name': f'probe_{uniq}', 'class_name': 'Probe', 'scope': 'public',
        'code_source_id': code.json()['id']})
    assert dyn.status_code == 201, dyn.text
    sub = f'sub_{uniq}'
    alice.create_workflow(textwrap.dedent(f'''\
        version: "2.0"
        {sub}:
          output:
            project_id: <% $.openstack.project_id %>
          tasks:
            t:
              action: std.noop
    '''))
    name = f'who_{uniq}'
    alice.create_workflow(textwrap.dedent(f'''\
        version: "2.0"
        {name}:
          tasks:
            look:
              action: std.noop
              publish:
                project_id: <% $.openstack.project_id %>
                project_name: <% $.openstack.project_name %>
                user_name: "{{{{ _.openstack.user_name }}}}"
                roles: <% $.openstack.roles %>
                token: <% $.openstack.auth_token %>
              on-success: [greet, probe, child]
            greet:
              action: sample.greet name=alice
              publish:
                greet_project: <% task().result.project_id %>
            probe:
              action: probe_{uniq}
              publish:
                probe: <% task().result %>
            child:
              workflow: {sub}
              publish:
                child_project: <% task().result.project_id %>
    '''))
    ex = _start(alice, name)
    tasks = alice.get(f"/executions/{ex['id']}/tasks").json()['tasks']
    out = {}
    for task in tasks:
        out.update(json.loads(task['published']))

    assert out['project_id'] == alice.project_id
    assert out['project_name'] == creds['project']
    assert out['user_name'] == creds['username']
    assert 'member' in [r.lower() for r in out['roles']]
    # Workflows never see the token itself.
    assert out['token'] == '***'
    # Sub-workflows inherit the caller.
    assert out['child_project'] == alice.project_id
    # Actions act for the caller, with a token to do so.
    assert out['greet_project'] == alice.project_id
    assert out['probe'] == {
        'project_id': alice.project_id, 'project_name': creds['project'],
        'user_name': creds['username'], 'auth_uri': keystone.auth_url,
        'has_token': True}

    # The API never shows the raw token.
    for path in (f"/executions/{ex['id']}", '/executions',
                 f"/executions/{ex['id']}/tasks"):
        response = alice.get(path)
        assert response.status_code == 200
        assert alice.token not in response.text, path


def test_without_authentication_nothing_is_added(services):
    """Auth off (the engine started with no caller): no `openstack` in
    the context, and actions only know the default project."""
    services.define(textwrap.dedent('''\
        version: "2.0"
        anonymous:
          tasks:
            greet:
              action: sample.greet name=anon
              publish:
                greet_project: <% task().result.project_id %>
        asks_openstack:
          tasks:
            look:
              action: std.noop
              publish:
                openstack: <% $.openstack %>
    '''))
    wf_ex = services.wait(services.start('anonymous'))
    assert wf_ex.state == 'SUCCESS', wf_ex.state_info
    assert 'openstack' not in wf_ex.context
    assert 'security' not in wf_ex.runtime_context
    [task] = services.tasks(wf_ex.id)
    assert task.published == {'greet_project': DEFAULT_PROJECT_ID}
    # As upstream: with no `openstack` key the expression fails.
    wf_ex = services.wait(services.start('asks_openstack'))
    assert wf_ex.state == 'ERROR'
    assert "expression=$.openstack" in wf_ex.state_info
