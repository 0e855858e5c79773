"""Authentication and project scoping against a real Keystone: users of
projects "alpha" (alice) and "beta" (bob), and the admin."""
from __future__ import annotations

import base64

import requests

from tests.auth.conftest import Caller


def _workflow(name: str) -> str:
    return (f'version: "2.0"\n{name}:\n  tasks:\n    t:\n'
            f'      action: std.noop\n')


def _assert_fault(response: requests.Response, status: int,
                  text: str) -> None:
    assert response.status_code == status, response.text
    assert text in response.json()['faultstring']
    assert text in response.headers['Server-Error-Message']


def test_requests_without_a_valid_token_get_401(server, keystone):
    forged = keystone.token('alpha')['token'][:-6] + 'AAAAAA'
    cases = {
        'no token': None,
        'forged token': forged,
        'garbage token': 'not-a-token',
        'expired token': keystone.info['expired_token'],
    }
    for case, token in cases.items():
        response = Caller(server.api, token).get('/workflows')
        _assert_fault(response, 401, 'Failed to validate access token')
        assert response.headers['WWW-Authenticate'] == \
            f'Keystone uri="{keystone.auth_url}"', case
        # A change is refused the same way, before anything is stored.
        assert Caller(server.api, token).post(
            '/environments', json={'name': 'x', 'variables': {}}
        ).status_code == 401, case
    # Version discovery needs no token.
    assert requests.get(server.url, timeout=10).status_code == 200
    assert requests.get(f'{server.api}/', timeout=10).json() == {
        'uri': server.api}


def test_identity_headers_from_the_client_are_not_trusted(server, alice,
                                                          bob, uniq):
    """keystonemiddleware replaces X-Project-Id: bob cannot claim alice's
    project."""
    wf = alice.create_workflow(_workflow(f'own_{uniq}'))
    response = bob.get(f"/workflows/{wf['id']}",
                       headers={'X-Project-Id': alice.project_id,
                                'X-Roles': 'admin'})
    assert response.status_code == 404


def test_projects_cannot_reach_each_others_resources(alice, bob, uniq):
    name = f'alpha_wf_{uniq}'
    wf = alice.create_workflow(_workflow(name))
    assert wf['project_id'] == alice.project_id
    env = alice.post('/environments', json={
        'name': f'env_{uniq}', 'variables': {'k': 1}})
    assert env.status_code == 201, env.text
    trigger = alice.post('/cron_triggers', json={
        'name': f'cron_{uniq}', 'workflow_name': name,
        'pattern': '0 0 1 1 *'})
    assert trigger.status_code == 201, trigger.text
    assert trigger.json()['project_id'] == alice.project_id
    started = alice.run(name)
    assert started.status_code == 201, started.text
    ex = alice.wait_finished(started.json()['id'])
    assert ex['state'] == 'SUCCESS'
    assert ex['project_id'] == alice.project_id

    # bob sees none of it ...
    assert name not in [w['name'] for w in
                        bob.get('/workflows').json()['workflows']]
    assert ex['id'] not in [e['id'] for e in
                            bob.get('/executions').json()['executions']]
    assert f'env_{uniq}' not in [e['name'] for e in bob.get(
        '/environments').json()['environments']]
    assert f'cron_{uniq}' not in [t['name'] for t in bob.get(
        '/cron_triggers').json()['cron_triggers']]
    for path in (f"/workflows/{wf['id']}", f'/workflows/{name}',
                 f"/executions/{ex['id']}", f'/environments/env_{uniq}',
                 f"/executions/{ex['id']}/tasks",
                 f'/cron_triggers/cron_{uniq}'):
        assert bob.get(path).status_code == 404, path
    assert all(t['workflow_execution_id'] != ex['id']
               for t in bob.get('/tasks').json()['tasks'])
    # ... cannot run, change or delete it ...
    assert bob.run(name).status_code in (400, 404)
    assert bob.run(wf['id']).status_code in (400, 404)
    assert bob.put(f"/executions/{ex['id']}",
                   json={'description': 'mine'}).status_code == 404
    assert bob.delete(f"/executions/{ex['id']}").status_code == 404
    assert bob.delete(f'/environments/env_{uniq}').status_code == 404
    assert bob.delete(f'/cron_triggers/cron_{uniq}').status_code == 404
    assert bob.delete(f"/workflows/{wf['id']}").status_code == 404
    # ... and may use the same names for its own resources.
    own = bob.create_workflow(_workflow(name))
    assert own['project_id'] == bob.project_id != alice.project_id

    # alice still has everything.
    assert alice.get(f"/workflows/{wf['id']}").status_code == 200
    assert alice.get(f"/executions/{ex['id']}").status_code == 200
    assert alice.get(f'/environments/env_{uniq}').status_code == 200
    assert alice.delete(f'/cron_triggers/cron_{uniq}').status_code == 204
    assert alice.delete(f"/executions/{ex['id']}").status_code == 204
    assert alice.delete(f"/workflows/{wf['id']}").status_code == 204


def test_public_workflows_are_visible_to_every_project(admin, alice, bob,
                                                       uniq):
    name = f'public_wf_{uniq}'
    # Publishing for every project is an admin's decision (policy).
    response = alice.post('/workflows', data=_workflow(name),
                          params={'scope': 'public'},
                          headers={'Content-Type': 'text/plain'})
    _assert_fault(response, 403, 'workflows:publicize')
    wf = admin.create_workflow(_workflow(name), scope='public')
    assert wf['scope'] == 'public'
    for caller in (alice, bob):
        assert name in [w['name'] for w in
                        caller.get('/workflows').json()['workflows']]
        started = caller.run(name)
        assert started.status_code == 201, started.text
        ex = caller.wait_finished(started.json()['id'])
        # The execution belongs to whoever ran it.
        assert ex['project_id'] == caller.project_id
        assert ex['state'] == 'SUCCESS'
    # Visible is not owned: others cannot delete it.
    assert bob.delete(f"/workflows/{wf['id']}").status_code in (403, 404)
    assert alice.get(f"/workflows/{wf['id']}").status_code == 200


def test_admin_sees_every_project_with_all_projects(admin, alice, uniq):
    name = f'listed_{uniq}'
    alice.create_workflow(_workflow(name))
    ex = alice.run(name).json()
    own = [w['name'] for w in admin.get('/workflows').json()['workflows']]
    assert name not in own
    every = admin.get('/workflows', params={'all_projects': 'true'})
    assert name in [w['name'] for w in every.json()['workflows']]
    executions = admin.get('/executions', params={'all_projects': 'true'})
    assert ex['id'] in [e['id'] for e in executions.json()['executions']]
    _assert_fault(alice.get('/workflows', params={'all_projects': 'true'}),
                  403, 'workflows:list:all_projects')
    _assert_fault(alice.get('/executions', params={'all_projects': '1'}),
                  403, 'executions:list:all_projects')


def test_sharing_with_a_real_project(alice, bob, uniq):
    name = f'shared_{uniq}'
    wf = alice.create_workflow(_workflow(name))
    members = f"/workflows/{wf['id']}/members"
    shared = alice.post(members, json={'member_id': bob.project_id})
    assert shared.status_code == 201, shared.text
    assert shared.json()['status'] == 'pending'
    # Pending: not visible yet.
    assert bob.get(f"/workflows/{wf['id']}").status_code == 404
    assert bob.run(wf['id']).status_code in (400, 404)
    # bob's project accepts; alice cannot accept in its place.
    assert alice.put(f'{members}/{bob.project_id}',
                     json={'status': 'accepted'}).status_code in (403, 404)
    accepted = bob.put(f'{members}/{bob.project_id}',
                       json={'status': 'accepted'})
    assert accepted.status_code == 200, accepted.text
    assert bob.get(f"/workflows/{wf['id']}").status_code == 200
    assert wf['id'] in [w['id'] for w in
                        bob.get('/workflows').json()['workflows']]
    started = bob.run(wf['id'])
    assert started.status_code == 201, started.text
    assert bob.wait_finished(started.json()['id'])['state'] == 'SUCCESS'
    # Shared is not owned.
    assert bob.delete(f"/workflows/{wf['id']}").status_code in (403, 404)
    # Unsharing takes it away again.
    assert alice.delete(f'{members}/{bob.project_id}').status_code == 204
    assert bob.get(f"/workflows/{wf['id']}").status_code == 404


def test_non_admins_cannot_use_admin_only_operations(alice):
    _assert_fault(alice.put('/maintenance', json={'status': 'PAUSED'}),
                  403, 'maintenance:update')
    _assert_fault(alice.get('/code_sources'), 403, 'code_sources:list')


def test_target_cloud_headers_are_checked(alice):
    """X-Target-* headers point actions at another cloud: a target URI
    needs a target token, and the catalog must be base64 JSON."""
    target = {'X-Target-Auth-Uri': 'http://127.0.0.1:1/v3'}
    _assert_fault(alice.get('/workflows', headers=dict(target)), 401,
                  'X-Target-Auth-Token')
    _assert_fault(alice.get('/workflows', headers={
        **target, 'X-Target-Auth-Token': 't',
        'X-Target-Service-Catalog': 'not base64 json'}), 400,
        'X-Target-Service-Catalog')
    assert alice.get('/workflows', headers={
        **target, 'X-Target-Auth-Token': 't',
        'X-Target-Service-Catalog': base64.b64encode(b'[]').decode(),
    }).status_code == 200
