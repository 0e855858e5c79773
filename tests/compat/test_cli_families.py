"""Every command family of the real `mistral` CLI (python-mistralclient)
against one running all-in-one `mistral-server`: workbooks, workflows,
environments, action definitions, action executions, executions, tasks,
cron triggers and members, asserting on what the CLI prints.

The server allows deleting action executions
(`[api] allow_action_execution_deletion`). Each CLI call costs about a
second, so each family takes the shortest path through its commands;
waiting for executions polls the REST API instead."""
from __future__ import annotations

import json

import pytest
import requests

from tests.compat.cli import Cli
from tests.server import MistralServer, wait_until

WORKBOOK = """\
version: '2.0'
name: fam_wb
workflows:
  inner:
    tasks:
      t:
        action: std.noop
"""

WORKFLOWS = """\
version: '2.0'
fam_wf:
  input:
    - who: world
  output:
    greeting: <% $.greeting %>
  tasks:
    greet:
      action: std.echo output="Hello, <% $.who %>"
      publish:
        greeting: <% task().result %>
      on-success:
        publish:
          global:
            greeted: <% $.who %>

fam_env:
  description: fails until the environment has 'must'
  tasks:
    needs_env:
      action: std.echo output=<% env().must %>
      publish:
        got: <% task().result %>

fam_tmp:
  tasks:
    t:
      action: std.noop
"""

ACTIONS = """\
version: '2.0'
fam_greet:
  input:
    - name
  base: std.echo
  base-input:
    output: "Hi <% $.name %>"
"""


@pytest.fixture(scope='module')
def server(tmp_path_factory) -> MistralServer:
    workdir = tmp_path_factory.mktemp('cli-families-server')
    srv = MistralServer(workdir, f'sqlite:///{workdir}/mistral.sqlite',
                        extra={'api': {
                            'allow_action_execution_deletion': True}})
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope='module')
def cli(server, tmp_path_factory) -> Cli:
    return Cli(server, tmp_path_factory.mktemp('cli-families'))


@pytest.fixture(scope='module')
def workflows(cli) -> dict[str, dict]:
    created = cli.json('workflow-create', cli.file('wfs.yaml', WORKFLOWS))
    assert sorted(w['Name'] for w in created) == \
        ['fam_env', 'fam_tmp', 'fam_wf']
    return {w['Name']: w for w in created}


def wait_state(server: MistralServer, path: str, wanted: set[str]) -> dict:
    last: dict = {}

    def check():
        last.update(requests.get(f'{server.api}/{path}', timeout=10).json())
        return last.get('state') in wanted

    wait_until(check, 20, message=lambda: f'{path} in {wanted}: {last}')
    return last


def gone(cli: Cli, path: str) -> bool:
    """After a CLI delete: the REST API no longer finds it."""
    return requests.get(f'{cli.server.api}/{path}',
                        timeout=10).status_code == 404


def test_workbook_commands(cli) -> None:
    path = cli.file('wb.yaml', WORKBOOK)
    assert cli.json('workbook-validate', path) == {'Valid': True,
                                                   'Error': None}
    created = cli.json('workbook-create', path)
    assert (created['Name'], created['Scope']) == ('fam_wb', 'private')
    assert 'fam_wb' in [w['Name'] for w in cli.json('workbook-list')]
    assert cli.json('workbook-get', 'fam_wb')['Name'] == 'fam_wb'
    assert cli.out('workbook-get-definition', 'fam_wb').strip() == \
        WORKBOOK.strip()
    updated = cli.json('workbook-update', cli.file(
        'wb2.yaml', WORKBOOK.replace('std.noop', 'std.echo output=1')))
    assert updated['Updated at'] not in (None, '', '<none>')
    cli.run('workbook-delete', 'fam_wb')
    assert gone(cli, 'workbooks/fam_wb')


def test_workflow_commands(cli, workflows) -> None:
    assert cli.json('workflow-validate',
                    cli.file('tmp.yaml', WORKFLOWS)) == {'Valid': True,
                                                         'Error': None}
    listed = {w['Name']: w for w in cli.json('workflow-list')}
    assert listed['fam_wf']['Input'] == 'who="world"'
    got = cli.json('workflow-get', workflows['fam_wf']['ID'])
    assert (got['Name'], got['Project ID']) == ('fam_wf',
                                                '<default-project>')
    definition = cli.out('workflow-get-definition', 'fam_tmp')
    assert 'fam_tmp:' in definition and 'fam_wf' not in definition
    updated = cli.json('workflow-update', cli.file(
        'tmp2.yaml', "version: '2.0'\nfam_tmp:\n  tags: [x]\n  tasks:\n"
                     "    t:\n      action: std.noop\n"))
    assert [(w['Name'], w['Tags']) for w in updated] == [('fam_tmp', 'x')]
    cli.run('workflow-delete', 'fam_tmp')
    assert gone(cli, 'workflows/fam_tmp')


def test_environment_commands(cli) -> None:
    path = cli.file('env.json', json.dumps({
        'name': 'fam_env', 'description': 'first',
        'variables': {'region': 'north'}}))
    created = cli.json('environment-create', path)
    assert (created['Name'], created['Description']) == ('fam_env', 'first')
    assert 'fam_env' in [e['Name'] for e in cli.json('environment-list')]
    got = cli.json('environment-get', 'fam_env')
    assert json.loads(got['Variables']) == {'region': 'north'}
    updated = cli.json('environment-update', cli.file('env2.json', json.dumps(
        {'name': 'fam_env', 'variables': {'region': 'south'}})))
    assert json.loads(updated['Variables']) == {'region': 'south'}
    cli.run('environment-delete', 'fam_env')
    assert gone(cli, 'environments/fam_env')


def test_action_definition_commands(cli) -> None:
    path = cli.file('actions.yaml', ACTIONS)
    assert cli.json('action-validate', path) == {'Valid': True,
                                                 'Error': None}
    (created,) = cli.json('action-create', path)
    assert (created['Name'], created['Is system']) == ('fam_greet', False)
    listed = {a['Name']: a for a in cli.json('action-list')}
    assert listed['std.echo']['Is system'] is True
    assert 'fam_greet' in listed
    assert cli.json('action-get', 'fam_greet')['Input'] == 'name'
    assert 'base: std.echo' in cli.out('action-get-definition', 'fam_greet')
    (updated,) = cli.json('action-update', cli.file(
        'actions2.yaml', ACTIONS.replace('"Hi ', '"Hello ')))
    assert updated['Name'] == 'fam_greet'
    cli.run('action-delete', 'fam_greet')
    assert gone(cli, 'actions/fam_greet')


def test_action_execution_commands(cli, server) -> None:
    # A synchronous action without saving: the result is printed.
    inline = cli.json('run-action', 'std.echo', '{"output": "now"}')
    assert inline == {'result': 'now'}
    # An asynchronous one, saved: it waits for its result.
    started = cli.json('run-action', 'std.async_noop', '-s')
    action_id = started['ID']
    assert started['State'] == 'RUNNING'
    assert 'Only completed action execution can be deleted.' in \
        cli.fails('action-execution-delete', action_id)
    done = cli.json('action-execution-update', action_id, '--state',
                    'SUCCESS', '--output', '{"answer": 42}')
    assert (done['ID'], done['State']) == (action_id, 'SUCCESS')
    assert cli.json('action-execution-get', action_id)['Name'] == \
        'std.async_noop'
    assert json.loads(cli.out('action-execution-get-input',
                              action_id)) == {}
    assert json.loads(cli.out('action-execution-get-output',
                              action_id)) == {'result': {'answer': 42}}
    assert action_id in [a['ID'] for a in cli.json('action-execution-list')]
    cli.run('action-execution-delete', action_id)
    assert gone(cli, f'action_executions/{action_id}')


def test_execution_commands(cli, server, workflows) -> None:
    created = cli.json('execution-create', 'fam_wf', '{"who": "Ann"}', '-d',
                       'first run')
    ex_id = created['ID']
    assert (created['Workflow name'], created['Description']) == \
        ('fam_wf', 'first run')
    wait_state(server, f'executions/{ex_id}', {'SUCCESS'})
    assert cli.json('execution-get', ex_id)['State'] == 'SUCCESS'
    assert json.loads(cli.out('execution-get-input', ex_id)) == {'who': 'Ann'}
    assert json.loads(cli.out('execution-get-output', ex_id)) == \
        {'greeting': 'Hello, Ann'}
    assert json.loads(cli.out('execution-get-published', ex_id)) == \
        {'greeted': 'Ann'}
    assert ex_id in [e['ID'] for e in cli.json('execution-list')]
    updated = cli.json('execution-update', ex_id, '-d', 'renamed')
    assert updated['Description'] == 'renamed'
    report = cli.out('execution-get-report', ex_id, '--no-errors-only')
    assert f"workflow 'fam_wf' [SUCCESS] {ex_id}" in report
    assert "task 'greet' [SUCCESS]" in report
    cli.run('execution-delete', ex_id)
    assert gone(cli, f'executions/{ex_id}')


def test_task_commands(cli, server, workflows) -> None:
    ex_id = cli.json('execution-create', 'fam_env')['ID']
    wait_state(server, f'executions/{ex_id}', {'ERROR'})
    (task,) = cli.json('task-list', ex_id)
    assert (task['Name'], task['State']) == ('needs_env', 'ERROR')
    got = cli.json('task-get', task['ID'])
    assert 'must' in got['State info']
    assert cli.out('task-get-result', task['ID']).strip() in ('null', '')
    rerun = cli.json('task-rerun', task['ID'], '-e', '{"must": "ok"}')
    assert rerun['ID'] == task['ID']
    wait_state(server, f'executions/{ex_id}', {'SUCCESS'})
    assert json.loads(cli.out('task-get-published', task['ID'])) == \
        {'got': 'ok'}
    assert json.loads(cli.out('task-get-result', task['ID'])) == 'ok'


def test_cron_trigger_commands(cli, workflows) -> None:
    created = cli.json('cron-trigger-create', 'fam_cron', 'fam_wf',
                       '{"who": "cron"}', '--pattern', '0 0 1 1 *')
    assert (created['Name'], created['Workflow'], created['Pattern']) == \
        ('fam_cron', 'fam_wf', '0 0 1 1 *')
    assert 'fam_cron' in [t['Name'] for t in cli.json('cron-trigger-list')]
    got = cli.json('cron-trigger-get', 'fam_cron')
    assert json.loads(got['Params']) == {} and got['Next execution time']
    cli.run('cron-trigger-delete', 'fam_cron')
    assert gone(cli, 'cron_triggers/fam_cron')


def test_member_commands(cli, workflows) -> None:
    wf_id = workflows['fam_wf']['ID']
    created = cli.json('member-create', wf_id, 'workflow', 'tenant-b')
    assert (created['Resource ID'], created['Member ID'],
            created['Status']) == (wf_id, 'tenant-b', 'pending')
    listed = cli.json('member-list', wf_id, 'workflow')
    assert [m['Member ID'] for m in listed] == ['tenant-b']
    got = cli.json('member-get', wf_id, 'workflow', '-m', 'tenant-b')
    assert (got['Member ID'], got['Resource Owner']) == \
        ('tenant-b', '<default-project>')
    # Only the member project itself may accept; here we are the owner.
    assert 'Resource member not found' in cli.fails(
        'member-update', wf_id, 'workflow', '-m', 'tenant-b', '-s',
        'accepted')
    cli.run('member-delete', wf_id, 'workflow', 'tenant-b')
    assert gone(cli, f'workflows/{wf_id}/members/tenant-b')
