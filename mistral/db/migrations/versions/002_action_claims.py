"""Action executions remember when an executor claimed them.

Revision ID: 002
Revises: 001
Create Date: 2026-12-03 00:00:00

An executor claims an action before running it, so a message delivered
twice runs the action once (see mistral.engine.heartbeats.claim).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '002'
down_revision = '001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('action_executions_v2',
                  sa.Column('claimed_at', sa.DateTime(), nullable=True))
    op.add_column('action_executions_v2',
                  sa.Column('claimed_by', sa.String(36), nullable=True))


def downgrade() -> None:
    op.drop_column('action_executions_v2', 'claimed_by')
    op.drop_column('action_executions_v2', 'claimed_at')
