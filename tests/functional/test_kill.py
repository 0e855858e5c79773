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


SLOW = """
version: '2.0'
slow_safe:
  output: {r: <% $.r %>}
  tasks:
    t:
      action: std.sleep seconds=4
      safe-rerun: true
      on-success: done
    done:
      action: std.echo output=finished
      publish: {r: <% task().result %>}
slow_unsafe:
  tasks:
    t:
      action: std.sleep seconds=4
"""


def _running_actions(api: str, execution_id: str) -> int:
    tasks = requests.get(f'{api}/executions/{execution_id}/tasks',
                         timeout=5).json()['tasks']
    return sum(1 for t in tasks if t['state'] == 'RUNNING')


def test_executor_killed_mid_action(postgresql_url, rabbit_url,
                                    tmp_path) -> None:
    """Heartbeats stop with the executor: a safe-rerun action runs again on
    another executor, any other action fails with a clear message; neither
    execution is left RUNNING."""
    prepare_database(tmp_path / 'db', postgresql_url)
    with SplitDeployment(tmp_path, postgresql_url, rabbit_url) as split:
        api = split.api_url
        create_workflows(api, SLOW)
        safe = start_execution(api, 'slow_safe')
        unsafe = start_execution(api, 'slow_unsafe')
        wait_until(lambda: _running_actions(api, safe['id']) and
                   _running_actions(api, unsafe['id']), timeout=20,
                   message='both sleeps to start')
        # Let the executor take both messages and send a heartbeat.
        wait_until(lambda: all(
            a['state'] == 'RUNNING' for a in requests.get(
                f'{api}/action_executions', timeout=5).json()[
                'action_executions']), timeout=5, message='actions running')
        split.executors[0].kill()
        split.add_executor()

        done = wait_for_execution(api, safe['id'], timeout=60)
        assert done['state'] == 'SUCCESS', done['state_info']
        assert loads(done['output']) == {'r': 'finished'}

        failed = wait_for_execution(api, unsafe['id'], timeout=60)
        assert failed['state'] == 'ERROR'
        assert 'The action was lost: its executor stopped sending ' \
               'heartbeats' in failed['state_info']
