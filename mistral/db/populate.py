"""Fill the database with what ships with the code: the system actions.

Upstream Mistral lists Python actions through `GET /v2/actions` from rows
of `action_definitions_v2` with `is_system` set; `mistral-db-manage
populate` and the server's start keep those rows in step with the
`mistral.actions` entry points.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral.actions import registry
from mistral.db.models import DEFAULT_PROJECT_ID, ActionDefinition

LOG = logging.getLogger(__name__)

SYSTEM_SCOPE = 'public'
SYSTEM_NAMESPACE = ''


@dataclass
class SyncResult:
    """Names of the system actions a sync added, changed and removed."""
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f'{len(self.added)} added, {len(self.updated)} updated, '
                f'{len(self.deleted)} deleted, {len(self.skipped)} skipped')


def _fields(info: registry.ActionInfo) -> dict[str, Any]:
    """The column values a system action's row must have."""
    return {
        'description': info.description,
        'input': info.input,
        'action_class': f'{info.cls.__module__}.{info.cls.__qualname__}',
        'is_system': True,
        'scope': SYSTEM_SCOPE,
    }


def sync_system_actions(
        session: Session,
        actions: Mapping[str, registry.ActionInfo] | None = None
) -> SyncResult:
    """Upsert one row per system action and delete rows of vanished ones.

    Idempotent: a second run changes nothing. `actions` defaults to the
    installed entry points. A user's action already holding a system name
    in the default project and namespace is left alone and reported as
    skipped. Runs in the caller's transaction.
    """
    if actions is None:
        actions = registry.system_actions()
    result = SyncResult()
    rows = {
        row.name: row for row in session.scalars(
            sa.select(ActionDefinition).where(
                ActionDefinition.project_id == DEFAULT_PROJECT_ID,
                ActionDefinition.namespace == SYSTEM_NAMESPACE,
                ActionDefinition.name.in_(list(actions))
                | ActionDefinition.is_system.is_(True)))
    }
    for name, info in actions.items():
        wanted = _fields(info)
        row = rows.get(name)
        if row is None:
            session.add(ActionDefinition(
                name=name, namespace=SYSTEM_NAMESPACE,
                project_id=DEFAULT_PROJECT_ID, attributes={}, **wanted))
            result.added.append(name)
        elif not row.is_system:
            LOG.warning('Action %s is user-defined; not replacing it with '
                        'the system action.', name)
            result.skipped.append(name)
        elif any(getattr(row, k) != v for k, v in wanted.items()):
            for key, value in wanted.items():
                setattr(row, key, value)
            result.updated.append(name)
    for name, row in rows.items():
        if row.is_system and name not in actions:
            session.delete(row)
            result.deleted.append(name)
    session.flush()
    return result
