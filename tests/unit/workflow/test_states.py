"""Execution states and the transition table (spec §3.1)."""
import itertools

import pytest

from mistral import exceptions as exc
from mistral.workflow import states as s

# Upstream `_VALID_TRANSITIONS` (same state is always valid).
UPSTREAM = {
    s.IDLE: {s.RUNNING, s.ERROR, s.CANCELLED},
    s.WAITING: {s.RUNNING},
    s.RUNNING: {s.PAUSED, s.RUNNING_DELAYED, s.SUCCESS, s.ERROR,
                s.CANCELLED},
    s.RUNNING_DELAYED: {s.RUNNING, s.ERROR, s.CANCELLED},
    s.PAUSED: {s.RUNNING, s.ERROR, s.CANCELLED},
    s.SUCCESS: set(),
    s.CANCELLED: {s.RUNNING},
    s.ERROR: {s.RUNNING, s.SKIPPED},
    s.SKIPPED: set(),
}


def test_state_values_and_groups():
    assert s.RUNNING_DELAYED == 'DELAYED'
    assert s.ALL == {'IDLE', 'WAITING', 'RUNNING', 'DELAYED', 'PAUSED',
                     'SUCCESS', 'CANCELLED', 'ERROR', 'SKIPPED'}
    assert s.COMPLETED == {s.SUCCESS, s.ERROR, s.CANCELLED, s.SKIPPED}
    assert s.TERMINAL == {s.SUCCESS, s.ERROR, s.CANCELLED}
    assert s.ACTIVE == {s.RUNNING, s.RUNNING_DELAYED}
    assert s.INCOMPLETE == s.ALL - s.COMPLETED


def test_transition_table_matches_upstream():
    """Every (from, to) pair except the WAITING row (tested below)."""
    for from_state, to_state in itertools.product(s.ALL, repeat=2):
        if from_state == s.WAITING:
            continue
        expected = from_state == to_state or to_state in UPSTREAM[from_state]
        assert s.is_valid_transition(from_state, to_state) is expected, (
            from_state, to_state)


def test_waiting_goes_to_running_or_ends():
    """Upstream allows only WAITING -> RUNNING; a join that can never be
    satisfied goes to ERROR here instead of waiting forever, and cancel
    reaches waiting tasks (doc/source/contributor/decisions.rst)."""
    allowed = {t for t in s.ALL if s.is_valid_transition(s.WAITING, t)}
    assert allowed == {s.WAITING, s.RUNNING, s.ERROR, s.CANCELLED}


def test_same_state_is_always_valid():
    for state in s.ALL:
        s.check_transition('task', state, state)


def test_check_transition_raises_with_message():
    with pytest.raises(exc.InvalidStateTransitionError) as e:
        s.check_transition('workflow execution', s.SUCCESS, s.RUNNING)
    assert str(e.value) == ("Can't change workflow execution state from "
                            'SUCCESS to RUNNING')
    assert isinstance(e.value, exc.InputError)


def test_check_transition_allows_rerun_and_skip_of_failed_task():
    s.check_transition('task', s.ERROR, s.RUNNING)
    s.check_transition('task', s.ERROR, s.SKIPPED)
    with pytest.raises(exc.InvalidStateTransitionError):
        s.check_transition('task', s.SKIPPED, s.RUNNING)


def test_unknown_target_state_is_an_input_error():
    with pytest.raises(exc.InputError, match='Unknown state: BOGUS'):
        s.check_transition('task', s.RUNNING, 'BOGUS')


def test_unknown_source_state_is_not_a_valid_transition():
    assert s.is_valid_transition('BOGUS', s.RUNNING) is False
