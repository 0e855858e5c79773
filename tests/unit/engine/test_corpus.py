"""Data-driven corpus of small workflows (tests/fixtures/workflows).

Every ``*.yaml`` file under the corpus directory is one test case: a
workflow definition (plus optional ad-hoc actions and workbook), how to
start it, and an ``expect:`` section describing the observable result.
The expected values were checked against the reference upstream Mistral;
where this engine is known to disagree the fixture carries
``expect.xfail: <reason>`` and the test is a strict xfail.

Fixture keys::

    definition: |   workflow-list document (optional if `workbook` given)
    actions: |      ad-hoc actions document, stored before the definition
    workbook: |     workbook document, stored before the definition
    kind:           for invalid fixtures: workflows (default) | actions |
                    workbook -- which parser validates `definition`
    start:          name of the workflow to start
    input:          workflow input (mapping)
    params:         execution params (env, task_name, ...)
    timeout:        seconds to wait for the execution (default 20)
    expect:
      invalid: true                  validation only, nothing runs
      errors_contain: [...]          substrings of the validation error
      error_type: DSLParsingError    exception class (default
                                     InvalidModelError)
      start_error_contains: ...      starting the execution is refused
      state: SUCCESS                 final state (PAUSED waits for pause)
      state_info_startswith: ...
      state_info_contains: [...]
      state_info: ...                exact
      output: {...}                  exact
      output_subset: {...}           these keys, exact values
      tasks: {name: STATE}           latest execution of each named task
      task_count: N                  number of task executions
      task_order_prefix: [a, b]      first task executions, by creation
      task_names: {name: N}          executions per task name
      published: {name: {...}}       latest task's published vars
      task_state_info_startswith: {name: ...}
      task_state_info_contains: {name: ...}
      action_counts: {name: N}       action executions of the latest task
      xfail: reason                  known disagreement (strict xfail)
"""
from __future__ import annotations

import pathlib
import time

import pytest
import sqlalchemy as sa
import yaml

from mistral import exceptions as exc
from mistral.db import models
from mistral.lang import parser
from mistral.services import actions as action_service
from mistral.services import workbooks as wb_service
from mistral.workflow import states

PROJECT = models.DEFAULT_PROJECT_ID
CORPUS = (pathlib.Path(__file__).resolve().parents[2] /
          'fixtures' / 'workflows')

RUN_KEYS = {'state', 'state_info_startswith', 'state_info_contains',
            'state_info', 'output', 'output_subset', 'tasks', 'task_count',
            'task_order_prefix', 'task_names', 'published',
            'task_state_info_startswith', 'task_state_info_contains',
            'action_counts', 'start_error_contains', 'xfail'}
INVALID_KEYS = {'invalid', 'errors_contain', 'error_type', 'xfail'}
FIXTURE_KEYS = {'definition', 'actions', 'workbook', 'kind', 'start',
                'input', 'params', 'timeout', 'expect'}


def _fixture_files() -> list[pathlib.Path]:
    return sorted(CORPUS.rglob('*.yaml'))


def _load(path: pathlib.Path) -> dict:
    return yaml.safe_load(path.read_text())


def _params():
    out = []
    for path in _fixture_files():
        rel = path.relative_to(CORPUS).as_posix()
        reason = (_load(path).get('expect') or {}).get('xfail')
        marks = [pytest.mark.xfail(strict=True, reason=str(reason))] \
            if reason else []
        out.append(pytest.param(path, id=rel, marks=marks))
    return out


def test_corpus_is_large_and_well_formed():
    files = _fixture_files()
    assert len(files) >= 90, len(files)
    for path in files:
        text = path.read_text()
        assert text.startswith('# spec:'), f'{path}: no "# spec:" comment'
        fx = _load(path)
        assert set(fx) <= FIXTURE_KEYS, (path, set(fx) - FIXTURE_KEYS)
        expect = fx.get('expect')
        assert expect, f'{path}: no expect section'
        allowed = INVALID_KEYS if expect.get('invalid') else RUN_KEYS
        assert set(expect) <= allowed, (path, set(expect) - allowed)


def _check_invalid(fx: dict, expect: dict) -> None:
    parse = {'workflows': parser.parse_workflows,
             'actions': parser.parse_actions,
             'workbook': parser.parse_workbook}[fx.get('kind', 'workflows')]
    error_type = getattr(exc, expect.get('error_type', 'InvalidModelError'))
    with pytest.raises(error_type) as info:
        parse(fx['definition'])
    message = str(info.value)
    for fragment in expect.get('errors_contain') or []:
        assert fragment in message, (fragment, message)


def _store(services, fx: dict) -> None:
    if fx.get('actions'):
        services.store.run_in_transaction(
            lambda s: action_service.create_actions(
                s, fx['actions'], '', 'private', PROJECT))
    if fx.get('workbook'):
        services.store.run_in_transaction(
            lambda s: wb_service.create_workbook(
                s, fx['workbook'], '', 'private', PROJECT))
    if fx.get('definition'):
        services.define(fx['definition'])


def _latest_by_name(tasks) -> dict:
    latest = {}
    for task in tasks:          # ordered by creation: later ones win
        latest[task.name] = task
    return latest


def _wait(services, ex_id: str, expect: dict, timeout: float):
    if expect.get('state') == states.PAUSED:
        services.wait(ex_id, timeout,
                      until=states.TERMINAL | {states.PAUSED})
        # Let tasks already in flight settle before looking at them.
        time.sleep(0.3)
        return services.wait(ex_id, timeout,
                             until=states.TERMINAL | {states.PAUSED})
    return services.wait(ex_id, timeout)


@pytest.mark.parametrize('path', _params())
def test_corpus(services, path):
    fx = _load(path)
    expect = fx['expect']
    if expect.get('invalid'):
        _check_invalid(fx, expect)
        return

    _store(services, fx)
    if 'start_error_contains' in expect:
        with pytest.raises(Exception) as info:
            services.start(fx['start'], fx.get('input'), fx.get('params'))
        assert expect['start_error_contains'] in str(info.value), \
            str(info.value)
        return

    ex_id = services.start(fx['start'], fx.get('input'), fx.get('params'))
    wf_ex = _wait(services, ex_id, expect, fx.get('timeout', 20))
    tasks = services.tasks(ex_id)
    latest = _latest_by_name(tasks)
    observed = {
        'state': wf_ex.state, 'state_info': wf_ex.state_info,
        'output': wf_ex.output,
        'tasks': [(t.name, t.state, t.state_info) for t in tasks]}

    if 'state' in expect:
        assert wf_ex.state == expect['state'], observed
    if 'state_info' in expect:
        assert wf_ex.state_info == expect['state_info'], observed
    if 'state_info_startswith' in expect:
        assert (wf_ex.state_info or '').startswith(
            expect['state_info_startswith']), observed
    for fragment in expect.get('state_info_contains') or []:
        assert fragment in (wf_ex.state_info or ''), (fragment, observed)
    if 'output' in expect:
        assert wf_ex.output == expect['output'], observed
    for key, value in (expect.get('output_subset') or {}).items():
        assert (wf_ex.output or {}).get(key, '<absent>') == value, \
            (key, observed)
    for name, state in (expect.get('tasks') or {}).items():
        assert name in latest, (name, observed)
        assert latest[name].state == state, (name, observed)
    if 'task_count' in expect:
        assert len(tasks) == expect['task_count'], observed
    if 'task_order_prefix' in expect:
        prefix = expect['task_order_prefix']
        assert [t.name for t in tasks][:len(prefix)] == prefix, observed
    for name, count in (expect.get('task_names') or {}).items():
        assert sum(t.name == name for t in tasks) == count, (name, observed)
    for name, published in (expect.get('published') or {}).items():
        assert name in latest, (name, observed)
        assert latest[name].published == published, \
            (name, latest[name].published, observed)
    for name, text in (expect.get('task_state_info_startswith') or
                       {}).items():
        assert (latest[name].state_info or '').startswith(text), \
            (name, observed)
    for name, text in (expect.get('task_state_info_contains') or
                       {}).items():
        assert text in (latest[name].state_info or ''), (name, observed)
    for name, count in (expect.get('action_counts') or {}).items():
        with services.store.read() as session:
            found = session.scalar(
                sa.select(sa.func.count(models.ActionExecution.id))
                .where(models.ActionExecution.task_execution_id ==
                       latest[name].id))
        assert found == count, (name, found, observed)
