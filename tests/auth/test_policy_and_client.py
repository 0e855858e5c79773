"""A policy file that overrides a default rule, and python-mistralclient
finding Mistral through the Keystone catalog."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.auth.conftest import Caller, auth_options
from tests.server import CLI_SCRIPT, MistralServer, wait_until

WORKFLOW = ('version: "2.0"\n{name}:\n  input: [who]\n  tasks:\n    t:\n'
            '      action: std.echo output=<% $.who %>\n'
            '      publish:\n        said: <% task().result %>\n'
            '  output:\n    said: <% $.said %>\n')


@pytest.fixture(scope='module')
def restricted(keystone, tmp_path_factory) -> MistralServer:
    """A server whose policy file lets only admins start executions."""
    workdir = tmp_path_factory.mktemp('policy-server')
    policy_file = workdir / 'policy.yaml'
    policy_file.write_text('"executions:create": "rule:admin_only"\n')
    options = auth_options(keystone)
    options['oslo_policy'] = {'policy_file': str(policy_file)}
    srv = MistralServer(workdir, f'sqlite:///{workdir}/mistral.sqlite',
                        extra=options)
    srv.start()
    yield srv
    srv.stop()


def test_policy_file_restricts_executions_create(restricted, keystone):
    alice_token = keystone.token('alpha')
    alice = Caller(restricted.api, alice_token['token'])
    admin = Caller(restricted.api, keystone.token('admin')['token'])
    name = 'restricted_wf'
    alice.create_workflow(WORKFLOW.format(name=name))
    refused = alice.run(name, input={'who': 'alice'})
    assert refused.status_code == 403, refused.text
    assert refused.json()['faultstring'] == \
        'Policy does not allow executions:create to be performed.'
    assert alice.get('/executions').json()['executions'] == []
    # Rules the file does not mention keep their defaults.
    assert alice.get('/workflows').status_code == 200
    # The admin passes the overridden rule (alice's private workflow is
    # not visible to the admin's project, so the admin runs its own).
    admin.create_workflow(WORKFLOW.format(name=name))
    started = admin.run(name, input={'who': 'admin'})
    assert started.status_code == 201, started.text


def _cli(keystone, who: str, *args: str) -> subprocess.CompletedProcess:
    creds = keystone.credentials(who)
    # Only the credentials below: nothing may point the client at Mistral
    # but the catalog.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('OS_', 'MISTRAL_URL'))}
    return subprocess.run(
        [str(CLI_SCRIPT), '--os-auth-url', keystone.auth_url,
         '--os-username', creds['username'],
         '--os-password', creds['password'],
         '--os-project-name', creds['project'],
         '--os-user-domain-name', 'Default',
         '--os-project-domain-name', 'Default',
         '--os-region-name', keystone.info['region'], *args],
        capture_output=True, text=True, timeout=120, env=env)


def test_mistralclient_finds_mistral_in_the_catalog(server, keystone, alice,
                                                    tmp_path):
    """`server` registered itself as the `workflowv2` endpoint."""
    definition = tmp_path / 'wf.yaml'
    definition.write_text(WORKFLOW.format(name='catalog_wf'))
    created = _cli(keystone, 'alpha', 'workflow-create', str(definition),
                   '-f', 'json')
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)[0]['Project ID'] == alice.project_id

    started = _cli(keystone, 'alpha', 'execution-create', 'catalog_wf',
                   json.dumps({'who': 'alice'}), '-f', 'json')
    assert started.returncode == 0, started.stderr
    execution_id = json.loads(started.stdout)['ID']

    def finished():
        row = alice.get(f'/executions/{execution_id}').json()
        return row if row['state'] in ('SUCCESS', 'ERROR') else None
    row = wait_until(finished, 30, interval=0.1, message='the execution')
    assert row['state'] == 'SUCCESS', row
    assert row['project_id'] == alice.project_id
    output = _cli(keystone, 'alpha', 'execution-get-output', execution_id)
    assert output.returncode == 0, output.stderr
    assert json.loads(output.stdout) == {'said': 'alice'}
    # Another project's user, through the same catalog, does not see it.
    listed = _cli(keystone, 'beta', 'execution-list', '-f', 'json')
    assert listed.returncode == 0, listed.stderr
    assert execution_id not in [e['ID'] for e in json.loads(listed.stdout)]
