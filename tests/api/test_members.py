"""/v2/workflows/<id>/members over HTTP. Authentication is off, so every
request acts in the default project: the owner's side is checked here;
the member's side (accept, reject, visibility) in
tests/unit/services/test_members.py with explicit project ids."""
from __future__ import annotations

import uuid

import requests

from tests.server import create_workflows

DEFAULT = '<default-project>'


def wf_text(name: str) -> str:
    return (f"version: '2.0'\n{name}:\n  tasks:\n    t:\n"
            "      action: std.noop\n")


def assert_error(resp: requests.Response, status: int, text: str) -> None:
    assert resp.status_code == status, resp.text
    assert text in resp.json()['faultstring']


def test_owner_shares_lists_shows_and_unshares(api, uniq) -> None:
    wf = create_workflows(api, wf_text(f'share_{uniq}'))[0]
    url = f"{api}/workflows/{wf['id']}/members"
    assert requests.get(url, timeout=10).json() == {'members': []}

    resp = requests.post(url, json={'member_id': 'tenant-b'}, timeout=10)
    assert resp.status_code == 201, resp.text
    member = resp.json()
    assert {k: member[k] for k in ('resource_id', 'resource_type',
                                   'project_id', 'member_id', 'status')} == {
        'resource_id': wf['id'], 'resource_type': 'workflow',
        'project_id': DEFAULT, 'member_id': 'tenant-b', 'status': 'pending'}
    assert set(member) >= {'id', 'created_at'}

    assert requests.post(url, json={'member_id': 'tenant-c'},
                         timeout=10).status_code == 201
    listed = requests.get(url, timeout=10).json()['members']
    assert [m['member_id'] for m in listed] == ['tenant-b', 'tenant-c']
    assert requests.get(f'{url}/tenant-b', timeout=10).json() == member

    # Only the member project answers a share; the owner can not.
    assert_error(requests.put(f'{url}/tenant-b', json={'status': 'accepted'},
                              timeout=10), 404,
                 f"Resource member not found [resource_id={wf['id']}, "
                 'member_id=tenant-b]')
    assert_error(requests.put(f'{url}/tenant-b', json={'status': 'maybe'},
                              timeout=10), 400, 'status')

    assert requests.delete(f'{url}/tenant-b', timeout=10).status_code == 204
    assert_error(requests.get(f'{url}/tenant-b', timeout=10), 404,
                 'Resource member not found')
    assert [m['member_id'] for m in
            requests.get(url, timeout=10).json()['members']] == ['tenant-c']

    # Deleting the workflow deletes its members.
    assert requests.delete(f"{api}/workflows/{wf['id']}",
                           timeout=10).status_code == 204
    assert_error(requests.get(url, timeout=10), 404, 'Workflow not found')


def test_sharing_errors(api, uniq) -> None:
    private = create_workflows(api, wf_text(f'priv_{uniq}'))[0]
    public = create_workflows(api, wf_text(f'pub_{uniq}'), scope='public')[0]
    url = f"{api}/workflows/{private['id']}/members"
    assert_error(requests.post(f"{api}/workflows/{public['id']}/members",
                               json={'member_id': 'x'}, timeout=10), 400,
                 'Only private resource could be shared.')
    assert_error(requests.post(url, json={}, timeout=10), 400,
                 'Member id must be provided.')
    assert_error(requests.post(url, json={'member_id': DEFAULT}, timeout=10),
                 400, 'can not be shared with the project that owns it')
    assert requests.post(url, json={'member_id': 'x'},
                         timeout=10).status_code == 201
    assert_error(requests.post(url, json={'member_id': 'x'}, timeout=10),
                 409, 'Duplicate entry for ResourceMember')
    assert_error(requests.get(f'{api}/workflows/priv_{uniq}/members',
                              timeout=10), 400,
                 'Only support UUID as resource identifier in resource '
                 'sharing feature.')
    missing = str(uuid.uuid4())
    assert_error(requests.post(f'{api}/workflows/{missing}/members',
                               json={'member_id': 'x'}, timeout=10), 404,
                 f'Workflow not found [workflow_identifier={missing}]')
    assert_error(requests.delete(f'{url}/nobody', timeout=10), 404,
                 'Resource member not found')
