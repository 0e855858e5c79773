"""Which stored rows a project may see: its own, the public ones and, for
workflows, the ones another project shared with it and it accepted."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.db import models

# Models whose rows can be shared through resource members, and the
# `resource_type` their members carry.
SHAREABLE = {models.WorkflowDefinition: 'workflow'}

ACCEPTED = 'accepted'


def accepted_ids(project_id: str, resource_type: str) -> sa.Select:
    """Ids of the resources shared with `project_id` that it accepted
    (a subquery, so visibility stays one SQL statement)."""
    member = models.ResourceMember
    return sa.select(member.resource_id).where(
        member.resource_type == resource_type,
        member.member_id == project_id,
        member.status == ACCEPTED)


def visible(model, project_id: str):
    """Rows the caller may see: its own, public ones and accepted shares."""
    clause = sa.or_(model.project_id == project_id, model.scope == 'public')
    resource_type = SHAREABLE.get(model)
    if resource_type is not None:
        clause = sa.or_(clause,
                        model.id.in_(accepted_ids(project_id, resource_type)))
    return clause


def is_visible(session: Session, row, project_id: str) -> bool:
    """The same rule as `visible` for a row already loaded."""
    if row.project_id == project_id or row.scope == 'public':
        return True
    resource_type = SHAREABLE.get(type(row))
    if resource_type is None:
        return False
    shared = accepted_ids(project_id, resource_type).where(
        models.ResourceMember.resource_id == row.id)
    return session.scalar(shared) is not None


def find_visible(session: Session, model, kind: str, identifier: str,
                 project_id: str):
    """A row by id or name: the caller's own first, then a visible one."""
    row = session.get(model, identifier)
    if row is not None and is_visible(session, row, project_id):
        return row
    rows = session.scalars(sa.select(model).where(
        model.name == identifier, visible(model, project_id))).all()
    if not rows:
        raise exc.NotFoundError(kind, name=identifier)
    return min(rows, key=lambda r: r.project_id != project_id)


def find_in_namespace(session: Session, model, kind: str, identifier: str,
                      namespace: str | None, project_id: str):
    """A row by id, or by name in `namespace`: the caller's own first,
    then a visible one."""
    row = session.get(model, identifier)
    if row is not None and is_visible(session, row, project_id):
        return row
    rows = session.scalars(sa.select(model).where(
        model.name == identifier, model.namespace == (namespace or ''),
        visible(model, project_id))).all()
    if not rows:
        raise exc.NotFoundError(kind, identifier=identifier,
                                namespace=namespace or '')
    return min(rows, key=lambda r: r.project_id != project_id)


def find_own_in_namespace(session: Session, model, kind: str,
                          identifier: str, namespace: str | None,
                          project_id: str):
    """A row the caller may change or delete (only its own), by id or by
    name in `namespace`."""
    row = session.scalars(sa.select(model).where(
        model.project_id == project_id,
        sa.or_(model.id == identifier,
               sa.and_(model.name == identifier,
                       model.namespace == (namespace or ''))))).first()
    if row is None:
        raise exc.NotFoundError(kind, identifier=identifier,
                                namespace=namespace or '')
    return row
