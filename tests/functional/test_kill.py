"""Invariant 1: kill -9 the engine of a split deployment in the middle of a
running execution; a new engine takes over and the execution still ends in
SUCCESS with the right output."""
from __future__ import annotations

import requests

from tests.functional.workflows import chain
from tests.server import (SplitDeployment, create_workflows, loads,
                          prepare_database, start_execution,
                          wait_for_execution, wait_until)

LENGTH = 20


def completed_tasks(api: str, execution_id: str) -> int:
    tasks = requests.get(f'{api}/executions/{execution_id}/tasks',
                         params={'state': 'SUCCESS'},
                         timeout=5).json()['tasks']
    return len(tasks)


def test_engine_killed_mid_execution(postgresql_url, rabbit_url,
                                     tmp_path) -> None:
    prepare_database(tmp_path / 'db', postgresql_url)
    with SplitDeployment(tmp_path, postgresql_url, rabbit_url,
                         outbox_resend_after=2) as split:
        api = split.api_url
        create_workflows(api, chain(LENGTH, 0.1))
        ex = start_execution(api, 'chain')

        # Let a few tasks of the chain finish, then kill the engine.
        wait_until(lambda: completed_tasks(api, ex['id']) >= 3, timeout=20,
                   message='three tasks of the chain to finish')
        split.engines[0].kill()
        done_at_kill = completed_tasks(api, ex['id'])
        assert done_at_kill < LENGTH, 'the chain finished before the kill'

        split.add_engine()
        done = wait_for_execution(api, ex['id'], timeout=60)
        assert done['state'] == 'SUCCESS', done['state_info']
        assert loads(done['output']) == {'last': LENGTH - 1}

        tasks = requests.get(f'{api}/executions/{ex["id"]}/tasks',
                             timeout=5).json()['tasks']
        names = [t['name'] for t in tasks]
        # Every task ran exactly once and succeeded.
        assert sorted(names) == sorted(f't{i}' for i in range(LENGTH))
        assert {t['state'] for t in tasks} == {'SUCCESS'}
