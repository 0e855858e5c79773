"""The real `mistral` CLI (python-mistralclient) against a running
all-in-one `mistral-server`: what users type, parsed from `-f json` and
`-f value` output."""
from __future__ import annotations

import json
import pathlib

import pytest

from tests.compat.cli import Cli
from tests.functional.workflows import HELLO
from tests.server import MistralServer, wait_until


@pytest.fixture(scope='module')
def server(tmp_path_factory) -> MistralServer:
    workdir = tmp_path_factory.mktemp('cli-server')
    srv = MistralServer(workdir, f'sqlite:///{workdir}/mistral.sqlite')
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope='module')
def cli(server, tmp_path_factory) -> Cli:
    return Cli(server, tmp_path_factory.mktemp('cli'))


@pytest.fixture(scope='module')
def hello_file(cli) -> pathlib.Path:
    path = cli.workdir / 'hello.yaml'
    path.write_text(HELLO)
    return path


@pytest.fixture(scope='module')
def workflow(cli, hello_file) -> dict:
    created = cli.json('workflow-create', str(hello_file))
    assert isinstance(created, list) and len(created) == 1, created
    return created[0]


@pytest.fixture(scope='module')
def execution(cli, workflow) -> dict:
    created = cli.json('execution-create', 'hello', '{"name": "Ann"}')
    assert created['Workflow name'] == 'hello'
    assert created['Workflow ID'] == workflow['ID']
    assert created['State'] in ('RUNNING', 'SUCCESS')

    last: dict = {}

    def finished() -> bool:
        last.update(cli.json('execution-get', created['ID']))
        return last['State'] in ('SUCCESS', 'ERROR', 'CANCELLED')

    wait_until(finished, timeout=30, interval=0.1,
               message=lambda: f'execution-get to show a final state; '
                               f'last: {last}')
    assert last['State'] == 'SUCCESS', last
    return last


def test_workflow_create(workflow) -> None:
    assert workflow['Name'] == 'hello'
    assert workflow['Input'] == 'name'
    assert workflow['Scope'] == 'private'
    assert workflow['Namespace'] == ''
    assert len(workflow['ID']) == 36


def test_workflow_list(cli, workflow) -> None:
    listed = cli.json('workflow-list')
    mine = [w for w in listed if w['ID'] == workflow['ID']]
    assert len(mine) == 1
    assert mine[0]['Name'] == 'hello'
    assert mine[0]['Input'] == 'name'
    names = cli.value('workflow-list', '-c', 'Name').splitlines()
    assert 'hello' in names


def test_workflow_get(cli, workflow) -> None:
    got = cli.json('workflow-get', 'hello')
    assert got['ID'] == workflow['ID']
    assert got['Name'] == 'hello'
    assert got['Input'] == 'name'
    by_id = cli.json('workflow-get', workflow['ID'])
    assert by_id['Name'] == 'hello'
    definition = cli.run('workflow-get-definition', 'hello').stdout
    assert definition.strip() == HELLO.strip()


def test_execution_get(cli, execution, workflow) -> None:
    assert execution['Workflow ID'] == workflow['ID']
    assert execution['Workflow name'] == 'hello'
    assert execution['State info'] is None
    state = cli.value('execution-get', execution['ID'], '-c', 'State')
    assert state == 'SUCCESS'


def test_execution_get_output(cli, execution) -> None:
    output = cli.run('execution-get-output', execution['ID']).stdout
    assert json.loads(output) == {'greeting': 'Hello, Ann!'}
    wf_input = cli.run('execution-get-input', execution['ID']).stdout
    assert json.loads(wf_input) == {'name': 'Ann'}


def test_execution_list(cli, execution) -> None:
    listed = cli.json('execution-list')
    mine = [e for e in listed if e['ID'] == execution['ID']]
    assert len(mine) == 1
    assert mine[0]['State'] == 'SUCCESS'


def test_task_list(cli, execution) -> None:
    tasks = cli.json('task-list', execution['ID'])
    assert [(t['Name'], t['State']) for t in tasks] == [('greet', 'SUCCESS')]
    task = tasks[0]
    assert task['Workflow name'] == 'hello'
    assert task['Workflow Execution ID'] == execution['ID']
    result = cli.run('task-get-result', task['ID']).stdout
    assert json.loads(result) == 'Hello, Ann!'
    published = cli.run('task-get-published', task['ID']).stdout
    assert json.loads(published) == {'greeting': 'Hello, Ann!'}


def test_action_execution_list(cli, execution) -> None:
    (task,) = cli.json('task-list', execution['ID'])
    listed = cli.json('action-execution-list')
    mine = [a for a in listed if a['Task ID'] == task['ID']]
    assert len(mine) == 1, listed
    action_ex = mine[0]
    assert action_ex['Name'] == 'std.echo'
    assert action_ex['Task name'] == 'greet'
    assert action_ex['Workflow name'] == 'hello'
    assert action_ex['State'] == 'SUCCESS'
    assert action_ex['Accepted'] is True
    output = cli.run('action-execution-get-output', action_ex['ID']).stdout
    assert json.loads(output) == {'result': 'Hello, Ann!'}


def test_errors_reach_the_user(cli, workflow, tmp_path) -> None:
    missing = cli.run('execution-create', 'no_such_workflow', '{}',
                      ok=False)
    assert missing.returncode != 0
    assert 'Workflow not found' in missing.stderr + missing.stdout

    bad = tmp_path / 'bad.yaml'
    bad.write_text("version: '2.0'\nbroken:\n  tasks:\n    t1:\n"
                   "      actionx: std.noop\n")
    invalid = cli.run('workflow-create', str(bad), ok=False)
    assert invalid.returncode != 0
    assert 'broken.tasks.t1' in invalid.stderr + invalid.stdout

    unexpected = cli.run('execution-create', 'hello', '{"nam": "x"}',
                         ok=False)
    assert unexpected.returncode != 0
    assert 'Invalid input' in unexpected.stderr + unexpected.stdout


def test_workflow_delete(cli, workflow, execution) -> None:
    # Runs last: the other tests use the workflow.
    cli.run('workflow-delete', 'hello')
    names = cli.value('workflow-list', '-c', 'Name').splitlines()
    assert 'hello' not in names
    gone = cli.run('workflow-get', 'hello', ok=False)
    assert gone.returncode != 0
    assert 'not found' in (gone.stderr + gone.stdout).lower()
