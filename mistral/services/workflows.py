"""Storing workflow definitions: validate in full, then write."""
from __future__ import annotations

import hashlib
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.db import models
from mistral.lang import parser
from mistral.lang.specs import WorkflowSpec
from mistral.services.visibility import visible


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return False


def find_workflow(session: Session, identifier: str, namespace: str | None,
                  project_id: str) -> models.WorkflowDefinition:
    """By id, or by name in a namespace (falling back to the default one)."""
    wf = models.WorkflowDefinition
    query = sa.select(wf).where(visible(wf, project_id))
    if _is_uuid(identifier):
        found = session.scalars(query.where(wf.id == identifier)).first()
    else:
        query = query.where(wf.name == identifier)
        namespaces = [namespace or '']
        if namespace:
            namespaces.append('')
        found = None
        for ns in namespaces:
            candidates = session.scalars(
                query.where(wf.namespace == ns)).all()
            # The caller's own definition wins over a public one.
            candidates.sort(key=lambda d: d.project_id != project_id)
            if candidates:
                found = candidates[0]
                break
    if found is None:
        raise exc.NotFoundError('Workflow', workflow_identifier=identifier,
                                namespace=namespace or '')
    return found


def _checksum(text: str) -> str:
    return hashlib.md5(text.encode('utf-8'), usedforsecurity=False).hexdigest()


def fill(row: models.WorkflowDefinition, spec: WorkflowSpec,
          definition: str, scope: str) -> None:
    row.definition = definition
    row.spec = spec.raw
    row.tags = list(spec.tags)
    row.scope = scope
    row.checksum = _checksum(definition)


def parse_definition(text: str) -> tuple[list[WorkflowSpec], dict[str, str]]:
    """Specs and, per workflow, the definition text to store with it."""
    specs = parser.parse_workflows(text)
    if len(specs) == 1:
        return specs, {specs[0].name: text}
    return specs, {s.name: parser.workflow_definition(s) for s in specs}


def create_workflows(session: Session, text: str, namespace: str,
                     scope: str, project_id: str
                     ) -> list[models.WorkflowDefinition]:
    specs, texts = parse_definition(text)
    rows = []
    for spec in specs:
        exists = session.scalar(sa.select(models.WorkflowDefinition.id).where(
            models.WorkflowDefinition.name == spec.name,
            models.WorkflowDefinition.namespace == namespace,
            models.WorkflowDefinition.project_id == project_id))
        if exists:
            raise exc.DuplicateEntryError(
                'WorkflowDefinition', name=spec.name, namespace=namespace,
                project_id=project_id)
        row = models.WorkflowDefinition(
            id=models.new_id(), name=spec.name, namespace=namespace,
            project_id=project_id, is_system=False)
        fill(row, spec, texts[spec.name], scope)
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def update_workflows(session: Session, text: str, namespace: str,
                     scope: str | None, project_id: str,
                     workflow_id: str | None = None
                     ) -> list[models.WorkflowDefinition]:
    specs, texts = parse_definition(text)
    if workflow_id is not None and len(specs) != 1:
        raise exc.InputError('Only one workflow is allowed when updating a '
                             'workflow by its id')
    rows = []
    for spec in specs:
        if workflow_id is not None:
            row = find_workflow(session, workflow_id, namespace, project_id)
        else:
            row = session.scalars(sa.select(models.WorkflowDefinition).where(
                models.WorkflowDefinition.name == spec.name,
                models.WorkflowDefinition.namespace == namespace,
                models.WorkflowDefinition.project_id == project_id)).first()
            if row is None:
                raise exc.NotFoundError('Workflow', workflow_identifier=
                                        spec.name, namespace=namespace)
        if row.is_system:
            raise exc.NotAllowedError(
                f"Can not modify a system workflow '{row.name}'")
        if row.project_id != project_id:
            raise exc.NotAllowedError(
                f"Can not modify workflow '{row.name}' of another project")
        if workflow_id is not None and row.name != spec.name:
            row.name = spec.name
        fill(row, spec, texts[spec.name], scope or row.scope)
        rows.append(row)
    session.flush()
    return rows


def delete_workflow(session: Session, identifier: str, namespace: str,
                    project_id: str) -> None:
    row = find_workflow(session, identifier, namespace, project_id)
    if row.is_system:
        raise exc.NotAllowedError(
            f"Can not modify a system workflow '{row.name}'")
    if row.project_id != project_id:
        raise exc.NotAllowedError(
            f"Can not delete workflow '{row.name}' of another project")
    for model, kind in ((models.CronTrigger, 'cron'),
                        (models.EventTrigger, 'event')):
        if session.scalar(sa.select(sa.func.count()).select_from(model)
                          .where(model.workflow_id == row.id)):
            raise exc.ConflictError(
                f"Can't delete workflow that has {kind} triggers "
                f'associated. [workflow_identifier={identifier}]')
    session.execute(sa.delete(models.ResourceMember).where(
        models.ResourceMember.resource_id == row.id))
    session.delete(row)
