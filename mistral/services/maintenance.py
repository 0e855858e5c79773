"""The service-wide maintenance status, kept in `mistral_metrics`.

While the status is not RUNNING the API refuses changes (HTTP 423). This
version only records the status: switching to PAUSED does not pause the
running executions (upstream goes through PAUSING and pauses them all).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.db import models

RUNNING = 'RUNNING'
PAUSING = 'PAUSING'
PAUSED = 'PAUSED'
SETTABLE = (PAUSED, RUNNING)
STATUS_KEY = 'maintenance_status'

_METRIC = models.MistralMetric


def get_status(session: Session) -> str:
    """The current status; no row means RUNNING."""
    value = session.scalars(sa.select(_METRIC.value).where(
        _METRIC.name == STATUS_KEY)).first()
    return value or RUNNING


def set_status(session: Session, status: str) -> str:
    if status not in SETTABLE:
        raise exc.InputError(
            f'Invalid maintenance status: {status}. Allowed values: '
            f'{list(SETTABLE)}')
    row = session.scalars(sa.select(_METRIC).where(
        _METRIC.name == STATUS_KEY)).first()
    if row is None:
        session.add(_METRIC(name=STATUS_KEY, value=status))
    else:
        row.value = status
    return status
