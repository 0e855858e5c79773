"""`mistral code-source-*` and `mistral dynamic-action-*` from the real
python-mistralclient CLI against a running server, and a workflow that
runs the dynamic action they made."""
from __future__ import annotations

import pathlib

import pytest
import requests

from tests.compat.cli import Cli
from tests.compat.test_cli import server  # noqa: F401 (fixture)
from tests.server import loads, run_workflow

V1 = '''from mistral_lib import actions


class Shout(actions.Action):
    def __init__(self, text):
        self.text = text

    def run(self, context):
        return self.text.upper()


class Whisper(Shout):
    def run(self, context):
        return self.text.lower()
'''

WF = '''---
version: '2.0'
cli_dyn_wf:
  tasks:
    t:
      action: cli.say text=MiXeD
      publish:
        said: <% task().result %>
'''


@pytest.fixture(scope='module')
def cli(server, tmp_path_factory) -> Cli:  # noqa: F811
    return Cli(server, tmp_path_factory.mktemp('cli-code'))


@pytest.fixture(scope='module')
def files(cli) -> dict[str, pathlib.Path]:
    paths = {'v1': cli.workdir / 'shout.py',
             'v2': cli.workdir / 'shout_v2.py'}
    paths['v1'].write_text(V1)
    paths['v2'].write_text(V1 + '\n# second version\n')
    return paths


def test_code_source_commands(cli, files):
    created = cli.json('code-source-create', 'cli_mod', str(files['v1']))
    assert created['Name'] == 'cli_mod'
    assert created['Scope'] == 'private'
    listed = cli.json('code-source-list')
    assert [(c['ID'], c['Name']) for c in listed] == \
        [(created['ID'], 'cli_mod')]
    updated = cli.json('code-source-update', 'cli_mod', str(files['v2']))
    assert updated['ID'] == created['ID']
    content = cli.run('code-source-get-content', created['ID']).stdout
    assert content.rstrip() == (V1 + '\n# second version').rstrip()


def test_dynamic_action_commands(cli, files, server):  # noqa: F811
    created = cli.json('dynamic-action-create', 'cli.say', 'Shout',
                       'cli_mod')
    assert created['Name'] == 'cli.say'
    assert created['Class'] == 'Shout'
    assert created['Code source name'] == 'cli_mod'
    listed = cli.json('dynamic-action-list')
    assert [(a['ID'], a['Class']) for a in listed] == \
        [(created['ID'], 'Shout')]

    requests.post(f'{server.api}/workflows', data=WF.encode(), timeout=10,
                  headers={'Content-Type': 'text/plain'}).raise_for_status()
    ex = run_workflow(server.api, 'cli_dyn_wf')
    assert ex['state'] == 'SUCCESS', ex['state_info']
    # With no `output` section the workflow's output is its context.
    assert loads(ex['output']) == {'said': 'MIXED'}

    updated = cli.json('dynamic-action-update', 'cli.say',
                       '--class-name', 'Whisper')
    assert updated['Class'] == 'Whisper'
    ex = run_workflow(server.api, 'cli_dyn_wf')
    assert loads(ex['output']) == {'said': 'mixed'}

    cli.run('dynamic-action-delete', 'cli.say')
    missing = cli.run('dynamic-action-get', 'cli.say', ok=False)
    assert missing.returncode != 0
    assert 'DynamicActionDefinition not found' in missing.stderr

    cli.run('code-source-delete', 'cli_mod')
    assert requests.get(f'{server.api}/code_sources', timeout=10).json()[
        'code_sources'] == []
