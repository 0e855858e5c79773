"""The pure parts of notifications: event table and `params.notify`
checks."""
from __future__ import annotations

import pytest

from mistral import exceptions as exc
from mistral.notifiers import events, publishers


@pytest.mark.parametrize('from_state, to_state, event', [
    (None, 'RUNNING', 'TASK_LAUNCHED'),
    ('DELAYED', 'RUNNING', 'TASK_LAUNCHED'),
    ('IDLE', 'RUNNING', 'TASK_RESUMED'),
    ('WAITING', 'RUNNING', 'TASK_RESUMED'),
    ('PAUSED', 'RUNNING', 'TASK_RESUMED'),
    ('ERROR', 'RUNNING', 'TASK_RERUN'),
    ('RUNNING', 'SUCCESS', 'TASK_SUCCEEDED'),
    ('RUNNING', 'ERROR', 'TASK_FAILED'),
    ('RUNNING', 'CANCELLED', 'TASK_CANCELLED'),
    ('RUNNING', 'PAUSED', 'TASK_PAUSED'),
    ('RUNNING', 'SKIPPED', 'TASK_SKIPPED'),
    ('RUNNING', 'DELAYED', None),
    (None, 'WAITING', None),
])
def test_task_events(from_state, to_state, event) -> None:
    assert events.task_event(from_state, to_state) == event


@pytest.mark.parametrize('from_state, to_state, event', [
    (None, 'RUNNING', 'WORKFLOW_LAUNCHED'),
    ('PAUSED', 'RUNNING', 'WORKFLOW_RESUMED'),
    ('ERROR', 'RUNNING', 'WORKFLOW_RERUN'),
    ('RUNNING', 'SUCCESS', 'WORKFLOW_SUCCEEDED'),
    ('RUNNING', 'ERROR', 'WORKFLOW_FAILED'),
    ('PAUSED', 'CANCELLED', 'WORKFLOW_CANCELLED'),
    ('RUNNING', 'PAUSED', 'WORKFLOW_PAUSED'),
])
def test_workflow_events(from_state, to_state, event) -> None:
    assert events.workflow_event(from_state, to_state) == event


def test_event_type_filter() -> None:
    assert events.wanted_by({'type': 'noop'}, 'TASK_FAILED')
    only_end = {'type': 'noop', 'event_types': ['WORKFLOW_FAILED']}
    assert events.wanted_by(only_end, 'WORKFLOW_FAILED')
    assert not events.wanted_by(only_end, 'TASK_FAILED')


def test_validate_accepts_upstream_entries() -> None:
    entries = [{'type': 'webhook', 'url': 'https://x.example/h',
                'headers': {'A': 'b'}, 'event_types': ['TASK_FAILED']},
               {'type': 'noop'}]
    assert publishers.validate(entries, {'webhook', 'noop'}) == entries
    assert publishers.validate(None) == []


@pytest.mark.parametrize('entries, message', [
    ({'type': 'noop'}, 'must be a list'),
    (['noop'], 'params.notify[0] must be an object'),
    ([{'type': 'noop'}, {}], 'params.notify[1].type is required'),
    ([{'type': 'sms'}], "unknown notification publisher type 'sms'"),
    ([{'type': 'noop', 'event_types': 'TASK_FAILED'}],
     'event_types must be a list'),
    ([{'type': 'webhook', 'url': 'http://x', 'headers': {'n': 1}}],
     'headers must be an object of strings'),
])
def test_validate_rejects(entries, message) -> None:
    with pytest.raises(exc.InputError) as e:
        publishers.validate(entries, {'webhook', 'noop'})
    assert message in str(e.value)
