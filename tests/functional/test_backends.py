"""The hello workflow end-to-end on a real all-in-one `mistral-server`
with each supported database (SQLite, PostgreSQL, MariaDB).

For server databases the operator's steps are run first, as subprocesses:
`mistral-db-manage upgrade head` and `mistral-db-manage populate`.
"""
from __future__ import annotations

import requests

from tests.functional.workflows import HELLO
from tests.server import (MistralServer, create_workflows, loads,
                          prepare_database, run_workflow)


def test_hello_workflow_on_each_database(any_db_url, tmp_path) -> None:
    prepare_database(tmp_path / 'db', any_db_url)
    with MistralServer(tmp_path, any_db_url) as server:
        api = server.api
        (wf,) = create_workflows(api, HELLO)
        assert wf['name'] == 'hello'

        ex = run_workflow(api, 'hello', {'name': 'Ann'})
        assert ex['state'] == 'SUCCESS', ex['state_info']
        assert loads(ex['output']) == {'greeting': 'Hello, Ann!'}

        tasks = requests.get(f'{api}/executions/{ex["id"]}/tasks',
                             timeout=5).json()['tasks']
        assert [(t['name'], t['state']) for t in tasks] == \
            [('greet', 'SUCCESS')]
        assert loads(tasks[0]['result']) == 'Hello, Ann!'
        assert loads(tasks[0]['published']) == {'greeting': 'Hello, Ann!'}

        actions = requests.get(f'{api}/actions', timeout=5).json()['actions']
        assert {'std.echo', 'std.noop', 'std.fail', 'std.sleep'} <= \
            {a['name'] for a in actions}
