"""The workflow fixture corpus (tests/fixtures/workflows) on the pure core.

Each fixture that the simulation harness (simulation.py) can model runs
there, with no database, RPC, threads or sleeps, and is checked against
the same ``expect`` section as in the engine runner
(tests/unit/engine/test_corpus.py): both must agree. Action results come
from the fixture itself: the harness evaluates the action name and input
as the engine does and the pure actions are played here (std.noop ->
null, std.echo -> its ``output``, std.fail -> an error with its
``error_data``, std.sleep -> null after ``seconds`` on the manual clock).

Other fixtures are skipped; the skip reason starts with the category:
``validation-only``, ``start error``, ``ad-hoc actions``, ``workbook``,
``sub-workflow``, ``db lookups`` (execution(), executions(), tasks()),
``named environment``, ``other action``.
"""
from __future__ import annotations

import re

import pytest

from mistral import exceptions as exc
from mistral import expressions
from mistral.actions import registry
from mistral.expressions import functions
from mistral.lang import parser
from tests.unit.corpus import check_run, load, params
from tests.unit.workflow.simulation import Outcome, Simulation, error, ok

# Functions that read stored executions: the harness has no such store.
DB_LOOKUPS = re.compile(r'\b(execution|executions|tasks)\(')

FAIL_MESSAGE = 'Fail action expected exception.'


def _perform(name: str, params: dict) -> Outcome:
    """Plays the pure standard actions; the input is checked against the
    action's signature as the engine does before running it."""
    if name not in ('std.noop', 'std.echo', 'std.fail', 'std.sleep'):
        pytest.skip(f'other action: {name} is not played by the harness')
    registry.get(name).check_input(params)
    if name == 'std.echo':
        return ok(params['output'], after=float(params.get('delay') or 0))
    if name == 'std.sleep':
        return ok(None, after=float(params.get('seconds', 1)))
    if name == 'std.fail':
        # As the executor reports it (empty error data counts as none).
        data = params.get('error_data')
        return error(data if data else
                     "The action raised an exception [action=std.fail, "
                     f"action_ex_id=sim, msg='{FAIL_MESSAGE}']")
    return ok(None)


def _skip_reason(fx: dict) -> str | None:
    expect = fx['expect']
    if expect.get('invalid'):
        return 'validation-only: nothing runs'
    if 'start_error_contains' in expect:
        return 'start error: checked by the engine runner'
    if fx.get('actions'):
        return 'ad-hoc actions: need the action store'
    if fx.get('workbook') or not fx.get('definition'):
        return 'workbook: needs the workbook store'
    if DB_LOOKUPS.search(fx['definition']):
        return 'db lookups: execution()/executions()/tasks() read the store'
    if isinstance((fx.get('params') or {}).get('env'), str):
        return 'named environment: needs the environment store'
    return None


def _env(params: dict) -> dict:
    """params.env as the engine sets it up when it creates an execution
    (launch.new_execution): expressions in it see the env itself."""
    env = params.get('env') or {}
    if params.get('evaluate_env', True):
        env = expressions.evaluate_recursively(env, {functions.ENV_KEY: env})
    return env


@pytest.mark.parametrize('path', params())
def test_corpus_pure(path):
    fx = load(path)
    reason = _skip_reason(fx)
    if reason:
        pytest.skip(reason)
    specs = {s.name: s for s in parser.parse_workflows(fx['definition'])}
    if any(t.workflow for s in specs.values() for t in s.tasks.values()):
        pytest.skip('sub-workflow: the harness runs one workflow')
    run_params = fx.get('params') or {}
    sim = Simulation(specs[fx['start']], input=fx.get('input'),
                     env=_env(run_params),
                     task_name=run_params.get('task_name'),
                     perform=_perform)
    try:
        sim.run()
    except exc.MistralError as e:      # a bug in the harness or the core
        pytest.fail(f'simulation raised {e!r}')
    check_run(fx['expect'], sim.state, sim.state_info, sim.output,
              sim.tasks, lambda task: len(task.actions))
