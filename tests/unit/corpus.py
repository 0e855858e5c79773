"""The workflow fixture corpus (tests/fixtures/workflows): loading the
fixtures and checking a run's result against their ``expect`` section.

Shared by the two runners: through the engine
(tests/unit/engine/test_corpus.py) and on the pure core
(tests/unit/workflow/test_corpus_pure.py). The fixture keys are listed in
the engine runner's docstring.
"""
from __future__ import annotations

import pathlib
from typing import Any, Callable, Sequence

import pytest
import yaml

from mistral import exceptions as exc
from mistral.lang import parser

CORPUS = (pathlib.Path(__file__).resolve().parents[1] /
          'fixtures' / 'workflows')

RUN_KEYS = {'state', 'state_info_startswith', 'state_info_contains',
            'state_info', 'output', 'output_subset', 'tasks', 'task_count',
            'task_order_prefix', 'task_names', 'published',
            'task_state_info_startswith', 'task_state_info_contains',
            'action_counts', 'start_error_contains', 'xfail'}
INVALID_KEYS = {'invalid', 'errors_contain', 'error_type', 'xfail'}
FIXTURE_KEYS = {'definition', 'actions', 'workbook', 'kind', 'start',
                'input', 'params', 'timeout', 'expect'}


def fixture_files() -> list[pathlib.Path]:
    return sorted(CORPUS.rglob('*.yaml'))


def load(path: pathlib.Path) -> dict:
    return yaml.safe_load(path.read_text())


def params() -> list:
    """One pytest param per fixture, id = its path in the corpus; a
    fixture with ``expect.xfail`` is a strict xfail."""
    out = []
    for path in fixture_files():
        rel = path.relative_to(CORPUS).as_posix()
        reason = (load(path).get('expect') or {}).get('xfail')
        marks = [pytest.mark.xfail(strict=True, reason=str(reason))] \
            if reason else []
        out.append(pytest.param(path, id=rel, marks=marks))
    return out


def check_invalid(fx: dict, expect: dict) -> None:
    parse = {'workflows': parser.parse_workflows,
             'actions': parser.parse_actions,
             'workbook': parser.parse_workbook}[fx.get('kind', 'workflows')]
    error_type = getattr(exc, expect.get('error_type', 'InvalidModelError'))
    with pytest.raises(error_type) as info:
        parse(fx['definition'])
    message = str(info.value)
    for fragment in expect.get('errors_contain') or []:
        assert fragment in message, (fragment, message)


def latest_by_name(tasks) -> dict:
    latest = {}
    for task in tasks:          # ordered by creation: later ones win
        latest[task.name] = task
    return latest


def check_run(expect: dict, state: str, state_info: str | None,
              output: Any, tasks: Sequence[Any],
              action_count: Callable[[Any], int]) -> None:
    """Assert a finished (or paused) run against ``expect``.

    `tasks` are task executions ordered by creation, with ``name``,
    ``state``, ``state_info`` and ``published``; `action_count(task)` is
    the number of action executions of one of them.
    """
    latest = latest_by_name(tasks)
    observed = {
        'state': state, 'state_info': state_info, 'output': output,
        'tasks': [(t.name, t.state, t.state_info) for t in tasks]}

    if 'state' in expect:
        assert state == expect['state'], observed
    if 'state_info' in expect:
        assert state_info == expect['state_info'], observed
    if 'state_info_startswith' in expect:
        assert (state_info or '').startswith(
            expect['state_info_startswith']), observed
    for fragment in expect.get('state_info_contains') or []:
        assert fragment in (state_info or ''), (fragment, observed)
    if 'output' in expect:
        assert output == expect['output'], observed
    for key, value in (expect.get('output_subset') or {}).items():
        assert (output or {}).get(key, '<absent>') == value, \
            (key, observed)
    for name, task_state in (expect.get('tasks') or {}).items():
        assert name in latest, (name, observed)
        assert latest[name].state == task_state, (name, observed)
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
        found = action_count(latest[name])
        assert found == count, (name, found, observed)
