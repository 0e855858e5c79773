"""/v2/event_triggers: bind notifications to workflows.

Every change is announced to the event engines after it is committed, so
it takes effect without a restart (`mistral.event_engine.client`).
"""
from __future__ import annotations

import logging

import pecan
import sqlalchemy as sa
from pecan import rest
from sqlalchemy import exc as sa_exc
from wsme import types as wtypes

from mistral import exceptions as exc
from mistral.api import errors, listing
from mistral.api.definitions import json_body
from mistral.api.controllers.v2.resources import Resource, _common
from mistral.api.services import (ApiServices, base_url, plain,
                                  request_context, truthy)
from mistral.api.types import jsontype
from mistral.db import models
from mistral.services import event_triggers as trigger_service
from mistral.services.visibility import visible

LOG = logging.getLogger(__name__)

text = wtypes.text
JSON_COLUMNS = frozenset({'workflow_input', 'workflow_params'})


class EventTrigger(Resource):
    id = text
    name = text
    workflow_id = text
    workflow_input = jsontype
    workflow_params = jsontype
    exchange = text
    topic = text
    event = text
    scope = text
    project_id = text
    created_at = text
    updated_at = text

    @classmethod
    def from_row(cls, row: models.EventTrigger, fields=None):
        return cls.from_values({
            **_common(row), 'name': row.name or '',
            'workflow_id': row.workflow_id,
            'workflow_input': row.workflow_input or {},
            'workflow_params': row.workflow_params or {},
            'exchange': row.exchange, 'topic': row.topic,
            'event': row.event, 'scope': row.scope,
        }, fields)


class EventTriggers(wtypes.Base):
    event_triggers = [EventTrigger]
    next = text


def _trigger_id(value: str) -> str:
    """Upstream answers 400 for an id that is not a UUID."""
    try:
        return trigger_service.check_uuid(value)
    except exc.InputError as e:
        raise exc.InputError(
            f"Invalid input for field/attribute id. Value: '{value}'. "
            f'unable to convert to uuid. Error: {e}')


class EventTriggersController(rest.RestController):
    def __init__(self, services: ApiServices) -> None:
        self.services = services

    def _announce(self) -> None:
        """Tell the event engines; they also reload periodically, so a
        lost notice only delays the change."""
        client = getattr(self.services, 'event_engine', None)
        if client is None:
            return
        try:
            client.triggers_changed()
        except Exception as e:
            LOG.warning('Could not notify the event engines of a trigger '
                        'change (they pick it up at their next reload): %s',
                        e)

    @errors.expose(EventTrigger, text, text)
    def get_one(self, trigger_id, fields=''):
        trigger_id = _trigger_id(trigger_id)
        params = listing.parse_list_params(
            None, None, None, None, fields, {}, 1,
            EventTrigger.field_names())
        with self.services.store.read() as session:
            row = trigger_service.find_event_trigger(
                session, trigger_id, request_context().project_id)
            return EventTrigger.from_row(row, params.fields)

    @errors.expose(EventTriggers, text, text, text, text, text, text, text,
                   text, text, text, text, text, text, text, text, text,
                   text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, workflow_id=None,
                workflow_input=None, workflow_params=None, exchange=None,
                topic=None, event=None, scope=None, project_id=None,
                created_at=None, updated_at=None, all_projects=None):
        params = listing.parse_list_params(
            marker, limit, sort_keys, sort_dirs, fields,
            {'name': name, 'workflow_id': workflow_id,
             'workflow_input': workflow_input,
             'workflow_params': workflow_params, 'exchange': exchange,
             'topic': topic, 'event': event, 'scope': scope,
             'project_id': project_id, 'created_at': created_at,
             'updated_at': updated_at},
            self.services.max_limit, EventTrigger.field_names())
        model = models.EventTrigger
        query = sa.select(model)
        if not truthy(all_projects):
            query = query.where(visible(model, request_context().project_id))
        with self.services.store.read() as session:
            rows = listing.apply(session, query, model, params,
                                 json_columns=JSON_COLUMNS)
            return EventTriggers(
                event_triggers=[EventTrigger.from_row(r, params.fields)
                                for r in rows],
                next=listing.next_link(base_url(), 'event_triggers', rows,
                                       params))

    @pecan.expose('json')
    @errors.text_endpoint
    def post(self, *path, **_ignored):
        if path:
            raise exc.NotFoundError('Resource', path=pecan.request.path)
        project_id = request_context().project_id
        values = trigger_service.clean_create_values(json_body())
        try:
            created = self.services.store.run_in_transaction(
                lambda s: plain(EventTrigger.from_row(
                    trigger_service.create_event_trigger(s, values,
                                                         project_id))))
        except sa_exc.IntegrityError:
            # Another request stored the same binding between our check
            # and our insert.
            raise trigger_service.duplicate(values, project_id)
        self._announce()
        pecan.response.status = 201
        return created

    @pecan.expose('json')
    @errors.text_endpoint
    def put(self, *path, **_ignored):
        if len(path) != 1:
            raise exc.NotFoundError('Resource', path=pecan.request.path)
        trigger_id = _trigger_id(path[0])
        project_id = request_context().project_id
        values = trigger_service.clean_update_values(json_body())
        try:
            updated = self.services.store.run_in_transaction(
                lambda s: plain(EventTrigger.from_row(
                    trigger_service.update_event_trigger(
                        s, trigger_id, values, project_id))))
        except sa_exc.IntegrityError:
            raise exc.DuplicateEntryError('EventTrigger', id=trigger_id,
                                          project_id=project_id)
        self._announce()
        return updated

    @errors.expose(None, text, status_code=204)
    def delete(self, trigger_id):
        trigger_id = _trigger_id(trigger_id)
        project_id = request_context().project_id
        self.services.store.run_in_transaction(
            lambda s: trigger_service.delete_event_trigger(s, trigger_id,
                                                           project_id))
        self._announce()
