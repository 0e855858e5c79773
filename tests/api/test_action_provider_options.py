"""A server started with [legacy_action_provider] and [action_providers]
options lists and runs only the actions they let through."""
from __future__ import annotations

import pytest
import requests

from tests.server import MistralServer, create_workflows, run_workflow


@pytest.fixture(scope='module')
def api(tmp_path_factory):
    workdir = tmp_path_factory.mktemp('providers')
    srv = MistralServer(workdir, f'sqlite:///{workdir}/mistral.sqlite',
                        extra={'legacy_action_provider': {
                                   'denylist': 'sample.*,std.e*'},
                               'action_providers': {'denylist': 'dynamic'}})
    srv.start()
    yield srv.api
    srv.stop()


def test_filtered_actions(api):
    listed = {a['name'] for a in requests.get(
        f'{api}/actions', timeout=10).json()['actions']}
    assert 'std.noop' in listed
    assert not {n for n in listed if n.startswith(('sample.', 'std.e'))}

    create_workflows(api, "version: '2.0'\nflt:\n  tasks:\n    t:\n"
                          "      action: std.echo output=1\n")
    ex = run_workflow(api, 'flt')
    assert ex['state'] == 'ERROR'
    assert 'Action not found [action_name=std.echo]' in ex['state_info']


def test_dynamic_provider_off(api):
    resp = requests.post(f'{api}/code_sources', params={'name': 'm'},
                         data=b'class A:\n    def run(self, ctx):\n'
                              b'        return 1\n',
                         headers={'Content-Type': 'text/plain'}, timeout=10)
    assert resp.status_code == 201, resp.text
    assert requests.post(f'{api}/dynamic_actions', timeout=10, json={
        'name': 'dyn.a', 'class_name': 'A', 'code_source_name': 'm'}
    ).status_code == 201
    assert requests.get(f'{api}/actions/dyn.a', timeout=10).status_code \
        == 404
    create_workflows(api, "version: '2.0'\ndynoff:\n  tasks:\n    t:\n"
                          "      action: dyn.a\n")
    ex = run_workflow(api, 'dynoff')
    assert ex['state'] == 'ERROR'
    assert 'Action not found [action_name=dyn.a]' in ex['state_info']
