"""`mistral event-trigger-*` commands of the real CLI against a running
all-in-one server."""
from __future__ import annotations

import json

import pytest
import requests

from tests.compat.cli import Cli
from tests.server import MistralServer, create_workflows

WORKFLOW = """---
version: '2.0'
cli_event_wf:
  input:
    - who: world
  tasks:
    say:
      action: std.echo output=<% $.who %>
"""


@pytest.fixture(scope='module')
def cli(tmp_path_factory) -> Cli:
    workdir = tmp_path_factory.mktemp('cli-event-triggers')
    server = MistralServer(workdir, f'sqlite:///{workdir}/mistral.sqlite')
    server.start()
    yield Cli(server, workdir)
    server.stop()


def test_event_trigger_commands(cli):
    workflow, = create_workflows(cli.server.api, WORKFLOW)
    workflow['ID'] = workflow['id']

    created = cli.json('event-trigger-create', 'on-boot', workflow['ID'],
                       'nova', 'notifications', 'compute.instance.create.end',
                       '{"who": "nova"}', '--params', '{"env": {"a": 1}}')
    assert created['Name'] == 'on-boot'
    assert created['Workflow ID'] == workflow['ID']
    assert (created['Exchange'], created['Topic'], created['Event']) == \
        ('nova', 'notifications', 'compute.instance.create.end')
    assert json.loads(created['Params']) == {'env': {'a': 1}}
    # The CLI shows no input column: read it back from the API.
    stored = requests.get(f"{cli.server.api}/event_triggers/{created['ID']}",
                          timeout=10).json()
    assert json.loads(stored['workflow_input']) == {'who': 'nova'}

    shown = cli.json('event-trigger-get', created['ID'])
    assert shown == created

    listed = cli.json('event-trigger-list')
    assert [t['ID'] for t in listed] == [created['ID']]
    assert listed[0]['Name'] == 'on-boot'

    # Refused input reaches the user as the server's message.
    bad = cli.run('event-trigger-create', 'bad', workflow['ID'], 'nova',
                  'notifications', 'x.y', '{"nope": 1}', ok=False)
    assert bad.returncode != 0
    assert 'nope' in bad.stderr + bad.stdout

    cli.run('event-trigger-delete', created['ID'])
    assert requests.get(f'{cli.server.api}/event_triggers',
                        timeout=10).json()['event_triggers'] == []
    missing = cli.run('event-trigger-get', created['ID'], ok=False)
    assert missing.returncode != 0
    assert 'Event trigger not found' in missing.stderr + missing.stdout
