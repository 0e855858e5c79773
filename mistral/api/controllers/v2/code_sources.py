"""/v2/code_sources: Python modules uploaded as text (Content-Type
text/plain) for dynamic actions. Answers are JSON."""
from __future__ import annotations

import pecan
import sqlalchemy as sa
from pecan import rest
from sqlalchemy import exc as sa_exc
from wsme import types as wtypes

from mistral import exceptions as exc
from mistral.api import errors, listing
from mistral.api.controllers.v2.resources import Resource, _common
from mistral.api.definitions import definition_text
from mistral.api.services import (ApiServices, base_url, plain,
                                  request_context, truthy)
from mistral.db import models
from mistral.services import code_sources as code_service
from mistral.services.visibility import visible

text = wtypes.text


class CodeSource(Resource):
    id = text
    name = text
    namespace = text
    content = text
    version = int
    project_id = text
    scope = text
    actions = [text]
    created_at = text
    updated_at = text

    @classmethod
    def from_row(cls, row: models.CodeSource, fields=None,
                 actions: list[str] | None = None):
        values = {**_common(row), 'name': row.name,
                  'namespace': row.namespace, 'content': row.content,
                  'version': row.version, 'scope': row.scope}
        if actions is not None:
            values['actions'] = actions
        return cls.from_values(values, fields)


class CodeSources(wtypes.Base):
    code_sources = [CodeSource]
    next = text


class CodeSourcesController(rest.RestController):
    def __init__(self, services: ApiServices) -> None:
        self.services = services

    def _answer(self, change) -> dict:
        """Run `change(session, project_id)` in a transaction and answer
        the stored code source as JSON."""
        project_id = request_context().project_id

        def tx(session):
            row = change(session, project_id)
            return plain(CodeSource.from_row(
                row, actions=code_service.action_names(session, row.id)))

        return self.services.store.run_in_transaction(tx)

    @pecan.expose('json')
    @errors.text_endpoint
    def post(self, name=None, scope='private', namespace='', **_ignored):
        content = definition_text()
        scope = code_service.check_scope(scope)
        namespace = namespace or ''
        try:
            created = self._answer(
                lambda s, project: code_service.create_code_source(
                    s, name, content, namespace, scope, project))
        except sa_exc.IntegrityError:
            # Stored by another request between our check and our insert.
            raise exc.DuplicateEntryError(
                code_service.KIND, name=name, namespace=namespace,
                project_id=request_context().project_id)
        pecan.response.status = 201
        return created

    @pecan.expose('json')
    @errors.text_endpoint
    def put(self, *path, identifier=None, scope='private', namespace='',
            **_ignored):
        if path:
            raise exc.NotFoundError('Resource', path=pecan.request.path)
        if not identifier:
            raise exc.InputError('Identifier (name or id) of the code source '
                                 'is not provided.')
        content = definition_text()
        scope = code_service.check_scope(scope)
        return self._answer(
            lambda s, project: code_service.update_code_source(
                s, identifier, content, namespace or '', scope, project))

    @errors.expose(CodeSource, text, text, text)
    def get_one(self, identifier, namespace='', fields=''):
        params = listing.parse_list_params(
            None, None, None, None, fields, {}, 1, CodeSource.field_names())
        with self.services.store.read() as session:
            row = code_service.find_code_source(
                session, identifier, namespace or '',
                request_context().project_id)
            return CodeSource.from_row(
                row, params.fields,
                code_service.action_names(session, row.id))

    @errors.expose(CodeSources, text, text, text, text, text, text, text,
                   text, text, text, text, text, text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, tags=None,
                scope=None, project_id=None, created_at=None,
                updated_at=None, all_projects=None, namespace=None):
        allowed = [f for f in CodeSource.field_names() if f != 'actions']
        params = listing.parse_list_params(
            marker, limit, sort_keys, sort_dirs, fields,
            {'name': name, 'tags': tags, 'scope': scope,
             'project_id': project_id, 'created_at': created_at,
             'updated_at': updated_at, 'namespace': namespace},
            self.services.max_limit, allowed)
        model = models.CodeSource
        query = sa.select(model)
        if not truthy(all_projects):
            query = query.where(visible(model, request_context().project_id))
        with self.services.store.read() as session:
            rows = listing.apply(session, query, model, params,
                                 json_columns=frozenset({'tags'}))
            return CodeSources(
                code_sources=[CodeSource.from_row(r, params.fields)
                              for r in rows],
                next=listing.next_link(base_url(), 'code_sources', rows,
                                       params,
                                       {'all_projects': all_projects}))

    @errors.expose(None, text, text, status_code=204)
    def delete(self, identifier, namespace=''):
        project_id = request_context().project_id
        self.services.store.run_in_transaction(
            lambda s: code_service.delete_code_source(
                s, identifier, namespace or '', project_id))
