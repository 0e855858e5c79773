"""The mixed workload of the cluster and restart tests.

`mix` joins five parallel branches: a plain action, an action that
publishes a global variable, a with-items task with concurrency, a task
that fails twice and succeeds on its third retry, and a sub-workflow. Its
output depends only on its input `n` (`expected_output`), so any number
of engines and executors must produce exactly that.

`test.record` (see `tests.server.write_action_plugin`) writes one line per
run into the file `path`, which is how the tests count runs.
"""
from __future__ import annotations

import concurrent.futures
import pathlib
from collections import Counter
from typing import Any

import requests
import sqlalchemy as sa

from mistral.db import models
from tests.server import (TERMINAL_STATES, get_execution, loads,
                          recorded_runs, start_execution, wait_until)

ITEMS = 5
FAILURES_BEFORE_SUCCESS = 2

MIX = f"""\
version: '2.0'
mix_child:
  input: [n]
  output:
    doubled: <% $.doubled %>
  tasks:
    double:
      action: std.echo output=<% $.n * 2 %>
      publish:
        doubled: <% task().result %>

mix:
  input: [n, path]
  output:
    sum: <% $.sum %>
    items: <% $.items %>
    attempt: <% $.attempt %>
    doubled: <% $.doubled %>
    shared: <% $.shared %>
  tasks:
    start:
      action: test.record path=<% $.path %> value=<% $.n %>
      on-success: [left, right, items, flaky, child]
    left:
      action: std.echo output=<% $.n + 1 %>
      publish:
        left: <% task().result %>
      on-success:
        publish:
          global:
            shared: g<% $.n %>
        next: join
    right:
      action: test.record path=<% $.path %> value=<% $.n + 2 %>
      publish:
        right: <% task().result.value %>
      on-success: join
    items:
      with-items: i in <% range({ITEMS}) %>
      concurrency: 2
      action: test.record path=<% $.path %> value=<% $.i * $.n %>
      publish:
        items: <% task().result.select($.value) %>
      on-success: join
    flaky:
      action: test.record path=<% $.path %> fail_times={FAILURES_BEFORE_SUCCESS}
      retry:
        count: 3
        delay: 0
      publish:
        attempt: <% task().result.attempt %>
      on-success: join
    child:
      workflow: mix_child n=<% $.n %>
      publish:
        doubled: <% task().result.doubled %>
      on-success: join
    join:
      join: all
      action: std.echo output=<% $.left + $.right %>
      publish:
        sum: <% task().result %>
"""

# test.record runs of one `mix` execution, by task name.
RUNS_PER_TASK = {'start': 1, 'right': 1, 'items': ITEMS,
                 'flaky': FAILURES_BEFORE_SUCCESS + 1}
# Task executions of one `mix` execution (the child has one more).
TASKS = ('start', 'left', 'right', 'items', 'flaky', 'child', 'join')


def expected_output(n: int) -> dict[str, Any]:
    return {'sum': (n + 1) + (n + 2),
            'items': [i * n for i in range(ITEMS)],
            'attempt': FAILURES_BEFORE_SUCCESS + 1,
            'doubled': 2 * n,
            'shared': f'g{n}'}


def start_many(api: str, count: int, path: pathlib.Path,
               threads: int = 16) -> dict[str, int]:
    """Start `count` executions of `mix` at once; answer {id: n}."""
    def start(n: int) -> tuple[str, int]:
        return start_execution(api, 'mix', {'n': n, 'path': str(path)})[
            'id'], n

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return dict(pool.map(start, range(count)))


def wait_all(api: str, ids, timeout: float) -> dict[str, dict]:
    """Poll until every execution is terminal; answer them by id. The
    API may be briefly unreachable (a test restarts things)."""
    pending = set(ids)
    done: dict[str, dict] = {}

    def check() -> bool:
        for ex_id in sorted(pending):
            try:
                ex = get_execution(api, ex_id)
            except (requests.RequestException, AssertionError):
                return False
            if ex['state'] in TERMINAL_STATES:
                done[ex_id] = ex
                pending.discard(ex_id)
        return not pending

    wait_until(check, timeout, interval=0.5,
               message=lambda: f'{len(pending)} executions to finish, '
                               f'e.g. {sorted(pending)[:3]}')
    return done


def check_outputs(done: dict[str, dict], ns: dict[str, int]) -> None:
    wrong = {ex_id: (ex['state'], ex['state_info'])
             for ex_id, ex in done.items() if ex['state'] != 'SUCCESS'}
    assert not wrong, f'{len(wrong)} executions failed: ' \
                      f'{list(wrong.items())[:3]}'
    for ex_id, ex in done.items():
        assert loads(ex['output']) == expected_output(ns[ex_id]), ex_id


def duplicate_runs(path: pathlib.Path) -> list[str]:
    """Action execution ids test.record ran more than once."""
    per_action = Counter(a for a, _, _ in recorded_runs(path))
    return [a for a, c in per_action.items() if c > 1]


def check_runs(db_url: str, ids, path: pathlib.Path) -> None:
    """Every task ran exactly once per unit (and three times for the
    retried one), and no action execution ran twice."""
    runs = recorded_runs(path)
    per_action = Counter(a for a, _, _ in runs)
    twice = [a for a, c in per_action.items() if c > 1]
    assert not twice, f'{len(twice)} action executions ran more than ' \
                      f'once, e.g. {twice[:3]}'
    per_task = Counter(t for _, t, _ in runs)
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            task, action = models.TaskExecution, models.ActionExecution
            tasks = conn.execute(sa.select(
                task.id, task.name, task.workflow_execution_id,
                task.state)).all()
            actions = conn.execute(sa.select(
                action.id, action.task_execution_id, action.name)).all()
    finally:
        engine.dispose()
    ids = set(ids)
    mine = [t for t in tasks if t.workflow_execution_id in ids]
    by_ex = Counter(t.workflow_execution_id for t in mine)
    assert set(by_ex) == ids
    assert {c for c in by_ex.values()} == {len(TASKS)}
    assert {t.state for t in mine} == {'SUCCESS'}
    my_task_ids = {t.id for t in mine}
    recorded = [a for a in actions if a.task_execution_id in my_task_ids
                and a.name == 'test.record']
    # What ran is exactly what the engines stored.
    assert {a for a, t, _ in runs if t in my_task_ids} == \
        {a.id for a in recorded}
    for task in mine:
        assert per_task[task.id] == RUNS_PER_TASK.get(task.name, 0), \
            (task.name, task.id, per_task[task.id])
