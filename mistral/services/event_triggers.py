"""Event triggers: start a stored workflow when a notification arrives.

A trigger binds an oslo.messaging notification (exchange, topic and
event type) to a workflow. The `event-engine` service
(`mistral.event_engine`) listens for the notifications and starts the
workflows; this module stores and checks the triggers.
"""
from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.db import models
from mistral.lang import parser
from mistral.services.visibility import visible
from mistral.services.workflows import find_workflow
from mistral.workflow import data_flow

TRIGGER = models.EventTrigger
CREATE_KEYS = ('name', 'workflow_id', 'workflow_input', 'workflow_params',
               'exchange', 'topic', 'event', 'scope')
# Read-only fields a client may send back unchanged (upstream's resource
# accepts them in a body and ignores them).
READ_ONLY_KEYS = ('id', 'created_at', 'updated_at', 'project_id')
CREATE_MANDATORY = ('exchange', 'topic', 'event', 'workflow_id')
# The binding to a notification is fixed: delete and create to change it.
UPDATE_NOT_ALLOWED = ('exchange', 'topic', 'event')
SCOPES = ('private', 'public')
_LENGTHS = {'name': 200, 'exchange': 80, 'topic': 80, 'event': 80}


def check_uuid(value: Any, field: str = 'id') -> str:
    """Upstream types ids of event triggers and their workflow as UUIDs."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        raise exc.InputError(f'Expected a uuid but received {value}.')
    if not isinstance(value, str):
        raise exc.InputError(f"'{field}' must be a string, got "
                             f'{type(value).__name__}')
    return value


def _check_keys(body: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed) - set(READ_ONLY_KEYS))
    if unknown:
        raise exc.InputError('Unknown attribute for argument event_trigger: '
                             + ', '.join(unknown))


def _text(body: dict, key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise exc.InputError(f"'{key}' must be a string, got "
                             f'{type(value).__name__}')
    limit = _LENGTHS.get(key)
    if limit and len(value) > limit:
        raise exc.InputError(f"'{key}' must be at most {limit} characters "
                             'long.')
    return value


def _json_object(body: dict, key: str) -> dict | None:
    """An object, or a string holding one (clients send both)."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise exc.InputError(f"'{key}' is not valid JSON: {value[:100]}")
    if not isinstance(value, dict):
        raise exc.InputError(f"'{key}' must be a JSON object, got "
                             f'{type(value).__name__}')
    return value


def _scope(body: dict) -> str | None:
    scope = body.get('scope')
    if scope in (None, ''):
        return None
    if scope not in SCOPES:
        raise exc.InputError(
            f"Invalid input for field/attribute scope. Value: '{scope}'. "
            'Value should be one of: public, private')
    return scope


def clean_create_values(body: dict) -> dict[str, Any]:
    """Checked values of a new trigger from a POST body."""
    _check_keys(body, CREATE_KEYS)
    missing = [k for k in CREATE_MANDATORY if not body.get(k)]
    if missing:
        raise exc.InputError(
            f'Params {", ".join(CREATE_MANDATORY)} must be provided for '
            'creating event trigger.')
    values = {k: _text(body, k) for k in ('exchange', 'topic', 'event')}
    values['workflow_id'] = check_uuid(body['workflow_id'], 'workflow_id')
    values['name'] = _text(body, 'name') or ''
    values['workflow_input'] = _json_object(body, 'workflow_input') or {}
    values['workflow_params'] = _json_object(body, 'workflow_params') or {}
    values['scope'] = _scope(body) or 'private'
    return values


def clean_update_values(body: dict) -> dict[str, Any]:
    """Checked changes from a PUT body: name, input, params and scope."""
    if any(body.get(k) for k in UPDATE_NOT_ALLOWED):
        raise exc.InputError(
            f"Can not update fields {list(UPDATE_NOT_ALLOWED)} of event "
            'trigger.')
    _check_keys(body, CREATE_KEYS)
    values: dict[str, Any] = {}
    if body.get('name') is not None:
        values['name'] = _text(body, 'name')
    for key in ('workflow_input', 'workflow_params'):
        value = _json_object(body, key)
        if value is not None:
            values[key] = value
    scope = _scope(body)
    if scope is not None:
        values['scope'] = scope
    workflow_id = body.get('workflow_id')
    if workflow_id and check_uuid(workflow_id, 'workflow_id'):
        values['workflow_id'] = workflow_id
    return values


def _check_input(session: Session, workflow_id: str, wf_input: dict,
                 project_id: str) -> models.WorkflowDefinition:
    definition = find_workflow(session, workflow_id, None, project_id)
    spec = parser.spec_from_stored(definition.name, definition.spec)
    data_flow.validate_input(spec.input, wf_input, 'WorkflowSpec',
                             definition.name)
    return definition


def _check_unique(session: Session, values: dict, project_id: str,
                  exclude_id: str | None = None) -> None:
    query = sa.select(TRIGGER.id).where(
        TRIGGER.exchange == values['exchange'],
        TRIGGER.topic == values['topic'],
        TRIGGER.event == values['event'],
        TRIGGER.workflow_id == values['workflow_id'],
        TRIGGER.project_id == project_id)
    if exclude_id is not None:
        query = query.where(TRIGGER.id != exclude_id)
    if session.scalar(query) is not None:
        raise duplicate(values, project_id)


def duplicate(values: dict, project_id: str) -> exc.DuplicateEntryError:
    return exc.DuplicateEntryError(
        'EventTrigger', exchange=values['exchange'], topic=values['topic'],
        event=values['event'], workflow_id=values['workflow_id'],
        project_id=project_id)


def create_event_trigger(session: Session, values: dict,
                         project_id: str) -> models.EventTrigger:
    """Store a trigger from `clean_create_values`; the workflow must be
    visible to the caller and accept the input."""
    _check_input(session, values['workflow_id'], values['workflow_input'],
                 project_id)
    _check_unique(session, values, project_id)
    row = TRIGGER(id=models.new_id(), project_id=project_id, **values)
    session.add(row)
    session.flush()
    return row


def find_event_trigger(session: Session, trigger_id: str,
                       project_id: str) -> models.EventTrigger:
    """The caller's own trigger or a public one."""
    check_uuid(trigger_id)
    row = session.scalars(sa.select(TRIGGER).where(
        TRIGGER.id == trigger_id, visible(TRIGGER, project_id))).first()
    if row is None:
        raise not_found(trigger_id)
    return row


def not_found(trigger_id: str) -> exc.NotFoundError:
    error = exc.NotFoundError('EventTrigger', id=trigger_id)
    # Upstream's wording, which clients match on.
    exc.MistralError.__init__(error,
                              f'Event trigger not found [id={trigger_id}].')
    return error


def _own(session: Session, trigger_id: str,
         project_id: str) -> models.EventTrigger:
    check_uuid(trigger_id)
    row = session.scalars(sa.select(TRIGGER).where(
        TRIGGER.id == trigger_id, TRIGGER.project_id == project_id)
        .with_for_update()).first()
    if row is None:
        raise not_found(trigger_id)
    return row


def update_event_trigger(session: Session, trigger_id: str, values: dict,
                         project_id: str) -> models.EventTrigger:
    """Change name, input, params or scope of the caller's own trigger."""
    row = _own(session, trigger_id, project_id)
    workflow_id = values.get('workflow_id', row.workflow_id)
    if 'workflow_input' in values or 'workflow_id' in values:
        _check_input(session, workflow_id,
                     values.get('workflow_input', row.workflow_input or {}),
                     project_id)
    if workflow_id != row.workflow_id:
        _check_unique(session, {'exchange': row.exchange,
                                'topic': row.topic, 'event': row.event,
                                'workflow_id': workflow_id},
                      project_id, exclude_id=row.id)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = models.utcnow()
    session.flush()
    return row


def delete_event_trigger(session: Session, trigger_id: str,
                         project_id: str) -> None:
    """Only the caller's own trigger."""
    session.delete(_own(session, trigger_id, project_id))


def all_event_triggers(session: Session) -> list[models.EventTrigger]:
    """Every trigger of every project (for the event engine)."""
    return list(session.scalars(sa.select(TRIGGER).order_by(
        TRIGGER.created_at, TRIGGER.id)).all())
