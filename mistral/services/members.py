"""Sharing private workflows with other projects (resource members).

The owner of a private workflow adds a member (another project id); the
member sees the share as `pending` and accepts or rejects it. Once
accepted, the workflow is visible to and runnable by the member project
(the rule itself lives in `visibility`). Only the owner lists every
member and removes them; a member sees and updates its own row only.
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.db import models
from mistral.services import visibility

PENDING = 'pending'
STATUSES = (PENDING, 'accepted', 'rejected')
MEMBER = models.ResourceMember
WF = models.WorkflowDefinition


def check_resource_id(resource_id: str) -> None:
    """Shares name the workflow by its id: names are not unique across
    namespaces and projects."""
    try:
        uuid.UUID(resource_id)
    except ValueError:
        raise exc.InputError('Only support UUID as resource identifier in '
                             'resource sharing feature.')


def _workflow(session: Session, resource_id: str,
              project_id: str) -> models.WorkflowDefinition:
    """The shared workflow, if the caller may know about it: it sees the
    workflow or is one of its members (a rejected share is still the
    member's to change)."""
    check_resource_id(resource_id)
    row = session.get(WF, resource_id)
    if row is not None and (
            visibility.is_visible(session, row, project_id) or
            session.scalar(sa.select(MEMBER.id).where(
                MEMBER.resource_id == resource_id,
                MEMBER.member_id == project_id)) is not None):
        return row
    raise exc.NotFoundError('Workflow', workflow_identifier=resource_id)


def _not_found(resource_id: str, member_id: str) -> exc.NotFoundError:
    return exc.NotFoundError('Resource member', resource_id=resource_id,
                             member_id=member_id)


def share(session: Session, resource_id: str, member_id: str | None,
          project_id: str) -> models.ResourceMember:
    """Share the caller's private workflow with project `member_id`."""
    if not member_id or not isinstance(member_id, str):
        raise exc.InputError('Member id must be provided.')
    wf = _workflow(session, resource_id, project_id)
    if wf.project_id != project_id:
        raise exc.NotAllowedError('Only the owner of a workflow can share '
                                  'it.')
    if wf.scope != 'private':
        raise exc.InputError('Only private resource could be shared.')
    if member_id == project_id:
        raise exc.InputError('A workflow can not be shared with the project '
                             'that owns it.')
    exists = session.scalar(sa.select(MEMBER.id).where(
        MEMBER.resource_id == resource_id, MEMBER.resource_type == 'workflow',
        MEMBER.member_id == member_id))
    if exists is not None:
        raise exc.DuplicateEntryError('ResourceMember',
                                      resource_id=resource_id,
                                      member_id=member_id)
    row = MEMBER(id=models.new_id(), project_id=project_id,
                 member_id=member_id, resource_id=resource_id,
                 resource_type='workflow', status=PENDING)
    session.add(row)
    session.flush()
    return row


def list_members(session: Session, resource_id: str,
                 project_id: str) -> list[models.ResourceMember]:
    """The owner sees every member; a member sees only its own row."""
    _workflow(session, resource_id, project_id)
    return list(session.scalars(
        sa.select(MEMBER).where(
            MEMBER.resource_id == resource_id,
            MEMBER.resource_type == 'workflow',
            sa.or_(MEMBER.project_id == project_id,
                   MEMBER.member_id == project_id))
        .order_by(MEMBER.created_at, MEMBER.id)))


def get_member(session: Session, resource_id: str, member_id: str,
               project_id: str) -> models.ResourceMember:
    """Visible to the owner and to the member itself."""
    _workflow(session, resource_id, project_id)
    row = session.scalars(sa.select(MEMBER).where(
        MEMBER.resource_id == resource_id, MEMBER.resource_type == 'workflow',
        MEMBER.member_id == member_id,
        sa.or_(MEMBER.project_id == project_id,
               MEMBER.member_id == project_id))).first()
    if row is None:
        raise _not_found(resource_id, member_id)
    return row


def set_status(session: Session, resource_id: str, member_id: str,
               status: str | None, project_id: str) -> models.ResourceMember:
    """Only the member project itself accepts or rejects a share."""
    if not status:
        raise exc.InputError('Status must be provided.')
    if status not in STATUSES:
        raise exc.InputError(f"Invalid member status '{status}', must be one "
                             f"of: {', '.join(STATUSES)}")
    if member_id != project_id:
        raise _not_found(resource_id, member_id)
    row = get_member(session, resource_id, member_id, project_id)
    row.status = status
    row.updated_at = models.utcnow()
    session.flush()
    return row


def unshare(session: Session, resource_id: str, member_id: str,
            project_id: str) -> None:
    """Only the owner removes a member."""
    check_resource_id(resource_id)
    deleted = session.execute(sa.delete(MEMBER).where(
        MEMBER.resource_id == resource_id, MEMBER.resource_type == 'workflow',
        MEMBER.member_id == member_id, MEMBER.project_id == project_id))
    if not deleted.rowcount:
        raise _not_found(resource_id, member_id)
