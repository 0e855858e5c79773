"""Cron triggers: start a stored workflow on a schedule.

A trigger has a cron `pattern`, a `first_execution_time`, or both, and
optionally a number of `remaining_executions`. The `periodic` service
(`mistral.periodic.cron`) fires the triggers that are due.
"""
from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

import croniter
import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.db import models
from mistral.lang import parser
from mistral.services.visibility import find_visible
from mistral.services.workflows import find_workflow
from mistral.utils import jsonutils
from mistral.workflow import data_flow

CRON = models.CronTrigger
CREATE_KEYS = ('name', 'workflow_name', 'workflow_id', 'workflow_input',
               'workflow_params', 'pattern', 'first_execution_time',
               'remaining_executions', 'scope')
SCOPES = ('private', 'public')
# A first execution must leave the trigger time to be seen by every node.
MIN_FIRST_DELAY = datetime.timedelta(seconds=60)
_NAME_MAX = 200
_PATTERN_MAX = 100
_TIME_FORMATS = ('%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S')


def next_execution_time(pattern: str,
                        start: datetime.datetime) -> datetime.datetime:
    """The first time after `start` that matches `pattern`."""
    return croniter.croniter(pattern, start).get_next(datetime.datetime)


def validate_pattern(pattern: str) -> None:
    """A standard 5-field cron expression (or a croniter `@` macro)."""
    invalid = exc.InputError(f'The specified pattern is not valid: {pattern}')
    fields = pattern.split()
    if not pattern.startswith('@') and len(fields) != 5:
        raise invalid
    try:
        croniter.croniter(pattern)
    except (ValueError, KeyError, TypeError):
        raise invalid


def parse_time(value: Any) -> datetime.datetime | None:
    """'YYYY-MM-DD HH:MM' (UTC) like upstream; seconds and ISO 8601 are
    accepted too. An aware time is converted to naive UTC."""
    if value in (None, ''):
        return None
    if not isinstance(value, str):
        raise exc.InputError('first_execution_time must be a string '
                             "'YYYY-MM-DD HH:MM' (UTC), got "
                             f'{type(value).__name__}')
    text = value.strip()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            pass
    try:
        parsed = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        raise exc.InputError(
            f"Invalid first_execution_time '{value}': expected "
            "'YYYY-MM-DD HH:MM' (UTC)")
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.timezone.utc).replace(
            tzinfo=None)
    return parsed


def _json_object(value: Any, field: str) -> dict:
    """An object, or a string holding one (clients send both)."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise exc.InputError(f"'{field}' is not valid JSON: "
                                 f'{value[:100]}')
    if not isinstance(value, dict):
        raise exc.InputError(f"'{field}' must be a JSON object, got "
                             f'{type(value).__name__}')
    return value


def _optional_text(body: dict, key: str, max_len: int) -> str | None:
    value = body.get(key)
    if value is None or value == '':
        return None
    if not isinstance(value, str):
        raise exc.InputError(f"'{key}' must be a string, got "
                             f'{type(value).__name__}')
    if len(value) > max_len:
        raise exc.InputError(f"'{key}' must be at most {max_len} characters "
                             'long.')
    return value


def _count(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        else:
            raise exc.InputError('remaining_executions must be an integer, '
                                 f'got {value!r}')
    if value < 1:
        raise exc.InputError('remaining_executions must be at least 1, got '
                             f'{value}')
    return value


def clean_values(body: dict, now: datetime.datetime) -> dict[str, Any]:
    """Checked values of a new trigger from a request body, before the
    workflow is looked up (upstream's order of checks)."""
    unknown = sorted(set(body) - set(CREATE_KEYS))
    if unknown:
        raise exc.InputError('Unknown attribute for argument cron_trigger: '
                             + ', '.join(unknown))
    name = body.get('name')
    if not isinstance(name, str) or not name.strip():
        raise exc.InputError('Name of the cron trigger is not provided.')
    if len(name) > _NAME_MAX:
        raise exc.InputError(f'Cron trigger name must be at most {_NAME_MAX} '
                             'characters long.')
    pattern = _optional_text(body, 'pattern', _PATTERN_MAX)
    if pattern is not None:
        pattern = pattern.strip()
    first_time = parse_time(body.get('first_execution_time'))
    count = _count(body.get('remaining_executions'))
    scope = body.get('scope') or 'private'
    if scope not in SCOPES:
        raise exc.InputError(f"Scope must be one of {list(SCOPES)}, got "
                             f"'{scope}'")

    if not (first_time or pattern):
        raise exc.InputError(
            'Pattern or first_execution_time must be specified.')
    if first_time:
        if now + MIN_FIRST_DELAY > first_time:
            raise exc.InputError('first_execution_time must be at least 1 '
                                 'minute in the future.')
        if not pattern and count and count > 1:
            raise exc.InputError('Pattern must be provided if count is '
                                 'superior to 1.')
    if pattern:
        validate_pattern(pattern)

    if first_time:
        next_time = first_time
        if not (pattern or count):
            count = 1
    else:
        next_time = next_execution_time(pattern, now)
    workflow_id = _optional_text(body, 'workflow_id', 36)
    workflow_name = _optional_text(body, 'workflow_name', 255)
    if not (workflow_id or workflow_name):
        raise exc.InputError('Workflow ID or workflow name must be provided.')
    return {
        'name': name,
        'pattern': pattern,
        'first_execution_time': first_time,
        'next_execution_time': next_time,
        'remaining_executions': count,
        'workflow_ref': workflow_id or workflow_name,
        'workflow_input': _json_object(body.get('workflow_input'),
                                       'workflow_input'),
        'workflow_params': _json_object(body.get('workflow_params'),
                                        'workflow_params'),
        'scope': scope,
    }


def _hash(value: dict) -> str:
    return hashlib.sha256(jsonutils.dumps(value, sort_keys=True)
                          .encode('utf-8')).hexdigest()


def create_cron_trigger(session: Session, values: dict,
                        project_id: str) -> models.CronTrigger:
    """Store a trigger from `clean_values`; the workflow must exist and
    accept the input."""
    params = values['workflow_params']
    namespace = params.get('namespace') or ''
    if not isinstance(namespace, str):
        raise exc.InputError("'workflow_params.namespace' must be a string.")
    definition = find_workflow(session, values['workflow_ref'], namespace,
                               project_id)
    spec = parser.spec_from_stored(definition.name, definition.spec)
    data_flow.validate_input(spec.input, values['workflow_input'],
                             'WorkflowSpec', definition.name)
    if session.scalar(sa.select(CRON.id).where(
            CRON.name == values['name'],
            CRON.project_id == project_id)) is not None:
        raise exc.DuplicateEntryError('CronTrigger', name=values['name'],
                                      project_id=project_id)
    input_hash = _hash(values['workflow_input'])
    params_hash = _hash(params)
    same = session.scalar(sa.select(CRON.name).where(
        CRON.project_id == project_id,
        CRON.workflow_name == definition.name,
        CRON.workflow_input_hash == input_hash,
        CRON.workflow_params_hash == params_hash,
        _equal_or_null(CRON.pattern, values['pattern']),
        _equal_or_null(CRON.remaining_executions,
                       values['remaining_executions']),
        _equal_or_null(CRON.first_execution_time,
                       values['first_execution_time'])))
    if same is not None:
        raise exc.DuplicateEntryError(
            'CronTrigger', workflow_name=definition.name,
            pattern=values['pattern'], existing=same,
            project_id=project_id)
    row = CRON(id=models.new_id(), name=values['name'],
               pattern=values['pattern'],
               first_execution_time=values['first_execution_time'],
               next_execution_time=values['next_execution_time'],
               remaining_executions=values['remaining_executions'],
               workflow_name=definition.name, workflow_id=definition.id,
               workflow_input=values['workflow_input'],
               workflow_input_hash=input_hash,
               workflow_params=params, workflow_params_hash=params_hash,
               scope=values['scope'], project_id=project_id)
    session.add(row)
    session.flush()
    return row


def _equal_or_null(column, value):
    return column.is_(None) if value is None else column == value


def find_cron_trigger(session: Session, identifier: str,
                      project_id: str) -> models.CronTrigger:
    """By id or name: the caller's own first, then a public one."""
    try:
        return find_visible(session, CRON, 'CronTrigger', identifier,
                            project_id)
    except exc.NotFoundError:
        raise _not_found(identifier) from None


def delete_cron_trigger(session: Session, identifier: str,
                        project_id: str) -> None:
    """Only the caller's own trigger, by id or name."""
    row = session.scalars(sa.select(CRON).where(
        CRON.project_id == project_id,
        sa.or_(CRON.id == identifier, CRON.name == identifier))).first()
    if row is None:
        raise _not_found(identifier)
    session.delete(row)


def _not_found(identifier: str) -> exc.NotFoundError:
    # Upstream's wording: "Cron trigger not found [identifier=...]".
    return exc.NotFoundError('Cron trigger', identifier=identifier)
