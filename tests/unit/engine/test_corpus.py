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

import time

import pytest
import sqlalchemy as sa

from mistral.db import models
from mistral.services import actions as action_service
from mistral.services import workbooks as wb_service
from mistral.workflow import states
from tests.unit.corpus import (FIXTURE_KEYS, INVALID_KEYS, RUN_KEYS,
                               check_invalid, check_run, fixture_files,
                               load, params)

PROJECT = models.DEFAULT_PROJECT_ID


def test_corpus_is_large_and_well_formed():
    files = fixture_files()
    assert len(files) >= 90, len(files)
    for path in files:
        text = path.read_text()
        assert text.startswith('# spec:'), f'{path}: no "# spec:" comment'
        fx = load(path)
        assert set(fx) <= FIXTURE_KEYS, (path, set(fx) - FIXTURE_KEYS)
        expect = fx.get('expect')
        assert expect, f'{path}: no expect section'
        allowed = INVALID_KEYS if expect.get('invalid') else RUN_KEYS
        assert set(expect) <= allowed, (path, set(expect) - allowed)


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


def _wait(services, ex_id: str, expect: dict, timeout: float):
    if expect.get('state') == states.PAUSED:
        services.wait(ex_id, timeout,
                      until=states.TERMINAL | {states.PAUSED})
        # Let tasks already in flight settle before looking at them.
        time.sleep(0.3)
        return services.wait(ex_id, timeout,
                             until=states.TERMINAL | {states.PAUSED})
    return services.wait(ex_id, timeout)


@pytest.mark.parametrize('path', params())
def test_corpus(services, path):
    fx = load(path)
    expect = fx['expect']
    if expect.get('invalid'):
        check_invalid(fx, expect)
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

    def action_count(task) -> int:
        with services.store.read() as session:
            return session.scalar(
                sa.select(sa.func.count(models.ActionExecution.id))
                .where(models.ActionExecution.task_execution_id == task.id))

    check_run(expect, wf_ex.state, wf_ex.state_info, wf_ex.output,
              services.tasks(ex_id), action_count)
