"""Which stored rows a project may see: its own and the public ones."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc


def visible(model, project_id: str):
    """Rows the caller may see: its own and public ones."""
    return sa.or_(model.project_id == project_id, model.scope == 'public')


def find_visible(session: Session, model, kind: str, identifier: str,
                 project_id: str):
    """A row by id or name: the caller's own first, then a public one."""
    row = session.get(model, identifier)
    if row is not None and (row.project_id == project_id or
                            row.scope == 'public'):
        return row
    rows = session.scalars(sa.select(model).where(
        model.name == identifier, visible(model, project_id))).all()
    if not rows:
        raise exc.NotFoundError(kind, name=identifier)
    return min(rows, key=lambda r: r.project_id != project_id)
