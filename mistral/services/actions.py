"""Storing ad-hoc action definitions and finding actions by name."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.actions import registry
from mistral.db import models
from mistral.lang import parser
from mistral.lang.action_specs import ActionSpec, input_signature
from mistral.services.visibility import visible

ADHOC = models.ActionDefinition


def find_adhoc(session: Session, name: str, namespace: str | None,
               project_id: str) -> models.ActionDefinition | None:
    """An ad-hoc action by id or name; its namespace first, then ''."""
    query = sa.select(ADHOC).where(visible(ADHOC, project_id),
                                   ADHOC.is_system.is_(False))
    by_id = session.scalars(query.where(ADHOC.id == name)).first()
    if by_id is not None:
        return by_id
    for ns in dict.fromkeys([namespace or '', '']):
        rows = session.scalars(query.where(ADHOC.name == name,
                                           ADHOC.namespace == ns)).all()
        rows.sort(key=lambda r: r.project_id != project_id)
        if rows:
            return rows[0]
    return None


def _fill(row: models.ActionDefinition, spec: ActionSpec, definition: str,
          scope: str) -> None:
    row.definition = definition
    row.spec = spec.raw
    row.tags = list(spec.tags)
    row.description = spec.description
    row.input = input_signature(spec.input)
    row.scope = scope
    row.is_system = False


def store_actions(session: Session, specs: list[ActionSpec],
                  texts: dict[str, str], namespace: str, scope: str,
                  project_id: str, update: bool = False
                  ) -> list[models.ActionDefinition]:
    rows = []
    for spec in specs:
        if spec.name in registry.system_actions():
            raise exc.NotAllowedError(
                f"Can not modify a system action '{spec.name}'")
        row = session.scalars(sa.select(ADHOC).where(
            ADHOC.name == spec.name, ADHOC.namespace == namespace,
            ADHOC.project_id == project_id)).first()
        if row is not None and not update:
            raise exc.DuplicateEntryError(
                'ActionDefinition', name=spec.name, namespace=namespace,
                project_id=project_id)
        if row is None:
            if update:
                raise exc.NotFoundError('Action', name=spec.name,
                                        namespace=namespace)
            row = ADHOC(id=models.new_id(), name=spec.name,
                        namespace=namespace, project_id=project_id)
            session.add(row)
        _fill(row, spec, texts[spec.name], scope)
        rows.append(row)
    session.flush()
    return rows


def parse_definition(text: str) -> tuple[list[ActionSpec], dict[str, str]]:
    specs = parser.parse_actions(text)
    if len(specs) == 1:
        return specs, {specs[0].name: text}
    return specs, {s.name: parser.action_definition(s) for s in specs}


def create_actions(session: Session, text: str, namespace: str, scope: str,
                   project_id: str) -> list[models.ActionDefinition]:
    specs, texts = parse_definition(text)
    return store_actions(session, specs, texts, namespace, scope, project_id)


def update_actions(session: Session, text: str, namespace: str,
                   scope: str | None, project_id: str
                   ) -> list[models.ActionDefinition]:
    specs, texts = parse_definition(text)
    rows = []
    for spec in specs:
        row = find_adhoc(session, spec.name, namespace, project_id)
        rows.extend(store_actions(
            session, [spec], texts, namespace,
            scope or (row.scope if row else 'private'), project_id,
            update=True))
    return rows


def delete_action(session: Session, identifier: str, namespace: str,
                  project_id: str) -> None:
    if identifier in registry.system_actions():
        raise exc.NotAllowedError('Attempt to delete a system action: '
                                  f'{identifier}')
    row = find_adhoc(session, identifier, namespace, project_id)
    if row is None:
        raise exc.NotFoundError('Action', name=identifier,
                                namespace=namespace)
    if row.project_id != project_id:
        raise exc.NotAllowedError(
            f"Can not delete action '{row.name}' of another project")
    session.delete(row)
