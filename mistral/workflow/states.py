"""Execution states and the one table of allowed transitions."""
from __future__ import annotations

from mistral import exceptions as exc

IDLE = 'IDLE'
WAITING = 'WAITING'
RUNNING = 'RUNNING'
RUNNING_DELAYED = 'DELAYED'
PAUSED = 'PAUSED'
SUCCESS = 'SUCCESS'
CANCELLED = 'CANCELLED'
ERROR = 'ERROR'
SKIPPED = 'SKIPPED'

ALL = frozenset({IDLE, WAITING, RUNNING, RUNNING_DELAYED, PAUSED, SUCCESS,
                 CANCELLED, ERROR, SKIPPED})
COMPLETED = frozenset({SUCCESS, ERROR, CANCELLED, SKIPPED})
TERMINAL = frozenset({SUCCESS, ERROR, CANCELLED})
ACTIVE = frozenset({RUNNING, RUNNING_DELAYED})
# A task in one of these still holds its workflow open.
INCOMPLETE = frozenset({IDLE, WAITING, RUNNING, RUNNING_DELAYED, PAUSED})

_TRANSITIONS: dict[str, frozenset[str]] = {
    IDLE: frozenset({RUNNING, ERROR, CANCELLED}),
    WAITING: frozenset({RUNNING, ERROR, CANCELLED}),
    RUNNING: frozenset({PAUSED, RUNNING_DELAYED, SUCCESS, ERROR, CANCELLED}),
    RUNNING_DELAYED: frozenset({RUNNING, ERROR, CANCELLED}),
    PAUSED: frozenset({RUNNING, ERROR, CANCELLED}),
    SUCCESS: frozenset(),
    CANCELLED: frozenset({RUNNING}),
    ERROR: frozenset({RUNNING, SKIPPED}),
    SKIPPED: frozenset(),
}


def is_valid_transition(from_state: str, to_state: str) -> bool:
    return from_state == to_state or \
        to_state in _TRANSITIONS.get(from_state, frozenset())


def check_transition(kind: str, from_state: str, to_state: str) -> None:
    """Raise InvalidStateTransitionError unless the change is allowed."""
    if to_state not in ALL:
        raise exc.InputError(f'Unknown state: {to_state}')
    if not is_valid_transition(from_state, to_state):
        raise exc.InvalidStateTransitionError(kind, from_state, to_state)
