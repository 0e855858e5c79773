"""Storing workbooks: the workbook row plus its workflows and actions,
named `<workbook>.<name>`, all in one transaction."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.db import models
from mistral.lang import parser
from mistral.lang.action_specs import ActionSpec, WorkbookSpec
from mistral.lang.specs import WorkflowSpec
from mistral.services import actions as action_service
from mistral.services import workflows as wf_service
from mistral.services.visibility import visible
from mistral.utils import safe_yaml

WB = models.Workbook


def find_workbook(session: Session, name: str, namespace: str,
                  project_id: str) -> models.Workbook:
    row = session.scalars(sa.select(WB).where(
        WB.name == name, WB.namespace == (namespace or ''),
        visible(WB, project_id))).first()
    if row is None:
        raise exc.NotFoundError('Workbook', name=name,
                                namespace=namespace or '')
    return row


def _renamed(spec, prefix: str):
    """A workbook item under its stored name `<workbook>.<name>`."""
    builder = WorkflowSpec if isinstance(spec, WorkflowSpec) else ActionSpec
    return builder.from_dict(f'{prefix}.{spec.name}', spec.raw)


def _store_items(session: Session, spec: WorkbookSpec, namespace: str,
                 scope: str, project_id: str) -> None:
    for wf in spec.workflows:
        named = _renamed(wf, spec.name)
        row = models.WorkflowDefinition(
            id=models.new_id(), name=named.name, namespace=namespace,
            project_id=project_id, is_system=False)
        text = safe_yaml.dump({'version': '2.0', named.name: wf.raw})
        wf_service.fill(row, named, text, scope)
        session.add(row)
    actions = [_renamed(a, spec.name) for a in spec.actions]
    action_service.store_actions(
        session, actions,
        {a.name: parser.action_definition(a) for a in actions},
        namespace, scope, project_id)


def _delete_items(session: Session, name: str, namespace: str,
                  project_id: str) -> None:
    pattern = name.replace('\\', '\\\\').replace('%', '\\%').replace(
        '_', '\\_') + '.%'
    for model in (models.WorkflowDefinition, models.ActionDefinition):
        session.execute(sa.delete(model).where(
            model.name.like(pattern, escape='\\'),
            model.namespace == namespace, model.project_id == project_id))


def create_workbook(session: Session, text: str, namespace: str, scope: str,
                    project_id: str) -> models.Workbook:
    spec = parser.parse_workbook(text)
    exists = session.scalar(sa.select(WB.id).where(
        WB.name == spec.name, WB.namespace == namespace,
        WB.project_id == project_id))
    if exists:
        raise exc.DuplicateEntryError('Workbook', name=spec.name,
                                      namespace=namespace)
    row = WB(id=models.new_id(), name=spec.name, namespace=namespace,
             definition=text, spec=spec.raw, tags=list(spec.tags),
             scope=scope, project_id=project_id)
    session.add(row)
    _store_items(session, spec, namespace, scope, project_id)
    session.flush()
    return row


def update_workbook(session: Session, text: str, namespace: str,
                    scope: str | None, project_id: str) -> models.Workbook:
    spec = parser.parse_workbook(text)
    row = find_workbook(session, spec.name, namespace, project_id)
    if row.project_id != project_id:
        raise exc.NotAllowedError(
            f"Can not modify workbook '{row.name}' of another project")
    row.definition = text
    row.spec = spec.raw
    row.tags = list(spec.tags)
    row.scope = scope or row.scope
    _delete_items(session, spec.name, namespace, project_id)
    session.flush()
    _store_items(session, spec, namespace, row.scope, project_id)
    session.flush()
    return row


def delete_workbook(session: Session, name: str, namespace: str,
                    project_id: str) -> None:
    row = find_workbook(session, name, namespace, project_id)
    if row.project_id != project_id:
        raise exc.NotAllowedError(
            f"Can not delete workbook '{row.name}' of another project")
    _delete_items(session, name, namespace, project_id)
    session.delete(row)
