"""Notification event types and how state changes map onto them.

Pure: no database, no I/O. The names and the (from state, to state) table
follow OpenStack Mistral so existing listeners keep working.
"""
from __future__ import annotations

import datetime
from typing import Any

from mistral.workflow import states

WORKFLOW_LAUNCHED = 'WORKFLOW_LAUNCHED'
WORKFLOW_SUCCEEDED = 'WORKFLOW_SUCCEEDED'
WORKFLOW_FAILED = 'WORKFLOW_FAILED'
WORKFLOW_CANCELLED = 'WORKFLOW_CANCELLED'
WORKFLOW_PAUSED = 'WORKFLOW_PAUSED'
WORKFLOW_RESUMED = 'WORKFLOW_RESUMED'
WORKFLOW_RERUN = 'WORKFLOW_RERUN'

TASK_LAUNCHED = 'TASK_LAUNCHED'
TASK_SUCCEEDED = 'TASK_SUCCEEDED'
TASK_FAILED = 'TASK_FAILED'
TASK_CANCELLED = 'TASK_CANCELLED'
TASK_PAUSED = 'TASK_PAUSED'
TASK_RESUMED = 'TASK_RESUMED'
TASK_RERUN = 'TASK_RERUN'
TASK_SKIPPED = 'TASK_SKIPPED'

WORKFLOW_EVENTS = (WORKFLOW_LAUNCHED, WORKFLOW_SUCCEEDED, WORKFLOW_FAILED,
                   WORKFLOW_CANCELLED, WORKFLOW_PAUSED, WORKFLOW_RESUMED,
                   WORKFLOW_RERUN)
TASK_EVENTS = (TASK_LAUNCHED, TASK_SUCCEEDED, TASK_FAILED, TASK_CANCELLED,
               TASK_PAUSED, TASK_RESUMED, TASK_RERUN, TASK_SKIPPED)
ALL_EVENTS = WORKFLOW_EVENTS + TASK_EVENTS

_ANY = '*'

# to state -> {from state (or _ANY) -> event}. A change to a state missing
# here (WAITING, DELAYED, IDLE) is not an event.
_TASK_TABLE: dict[str, dict[str, str]] = {
    states.RUNNING: {_ANY: TASK_LAUNCHED,
                     states.IDLE: TASK_RESUMED,
                     states.PAUSED: TASK_RESUMED,
                     states.WAITING: TASK_RESUMED,
                     states.ERROR: TASK_RERUN},
    states.SUCCESS: {_ANY: TASK_SUCCEEDED},
    states.ERROR: {_ANY: TASK_FAILED},
    states.CANCELLED: {_ANY: TASK_CANCELLED},
    states.PAUSED: {_ANY: TASK_PAUSED},
    states.SKIPPED: {_ANY: TASK_SKIPPED},
}

_WORKFLOW_TABLE: dict[str, dict[str, str]] = {
    states.RUNNING: {_ANY: WORKFLOW_LAUNCHED,
                     states.PAUSED: WORKFLOW_RESUMED,
                     states.ERROR: WORKFLOW_RERUN},
    states.SUCCESS: {_ANY: WORKFLOW_SUCCEEDED},
    states.ERROR: {_ANY: WORKFLOW_FAILED},
    states.CANCELLED: {_ANY: WORKFLOW_CANCELLED},
    states.PAUSED: {_ANY: WORKFLOW_PAUSED},
}


def _lookup(table: dict[str, dict[str, str]], from_state: str | None,
            to_state: str) -> str | None:
    options = table.get(to_state)
    if not options:
        return None
    return options.get(from_state or _ANY, options[_ANY])


def task_event(from_state: str | None, to_state: str) -> str | None:
    """The event of a task state change (None: not an event)."""
    return _lookup(_TASK_TABLE, from_state, to_state)


def workflow_event(from_state: str | None, to_state: str) -> str | None:
    """The event of a workflow execution state change."""
    return _lookup(_WORKFLOW_TABLE, from_state, to_state)


def wanted_by(publisher: dict, event: str) -> bool:
    """A publisher without `event_types` gets every event."""
    wanted = publisher.get('event_types') or ()
    return not wanted or event in wanted


def timestamp(value: datetime.datetime | None) -> str | None:
    """Timestamps in payloads look like the API's: 'YYYY-MM-DD HH:MM:SS'."""
    return value.strftime('%Y-%m-%d %H:%M:%S') if value else None


# Payload fields of each kind, in upstream's order; the state-dependent
# ones are captured when the event happens (see recorder).
WORKFLOW_FIELDS = ('id', 'name', 'workflow_name', 'workflow_namespace',
                   'workflow_id', 'state', 'state_info', 'project_id',
                   'task_execution_id', 'root_execution_id', 'created_at',
                   'updated_at')
TASK_FIELDS = ('id', 'name', 'workflow_execution_id', 'workflow_name',
               'workflow_namespace', 'workflow_id', 'state', 'state_info',
               'type', 'project_id', 'created_at', 'updated_at',
               'started_at', 'finished_at')
SNAPSHOT_FIELDS = frozenset({'state', 'state_info', 'started_at',
                             'finished_at'})


def payload(fields: tuple[str, ...], entity: Any,
            snapshot: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of one event: the entity's fields, with the values
    it had when the event happened taken from `snapshot`."""
    data: dict[str, Any] = {}
    for name in fields:
        value = snapshot[name] if name in snapshot else \
            getattr(entity, name, None)
        if isinstance(value, datetime.datetime):
            value = timestamp(value)
        data[name] = value
    if data.get('updated_at') is None and 'created_at' in data:
        data['updated_at'] = data['created_at']
    return data
