"""Initial schema: definitions, executions, triggers and engine internals.

Revision ID: 001
Revises:
Create Date: 2025-01-01 00:00:00

Written by hand to match `mistral.db.models` at the time; later revisions
change it. Nothing here imports the models, so this file keeps describing
revision 001 whatever the models become.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '001'
down_revision = None
branch_labels = None
depends_on = None

# Definitions and JSON values can exceed MySQL's 64 KB TEXT.
LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), 'mysql')

TABLES = ('mistral_metrics', 'outbox_v2', 'scheduled_jobs_v2',
          'event_triggers_v2', 'cron_triggers_v2', 'action_executions_v2',
          'task_executions_v2', 'workflow_executions_v2',
          'resource_members_v2', 'environments_v2',
          'dynamic_action_definitions', 'code_sources',
          'action_definitions_v2', 'workflow_definitions_v2', 'workbooks_v2')


def _json(name: str) -> sa.Column:
    """A JSON value stored as text; NULL means "not set"."""
    return sa.Column(name, LONG_TEXT, nullable=True)


def _timestamps() -> list[sa.Column]:
    return [sa.Column('created_at', sa.DateTime(), nullable=False),
            sa.Column('updated_at', sa.DateTime(), nullable=True)]


def _owned() -> list[sa.Column]:
    """Columns of every row a user owns."""
    return [sa.Column('id', sa.String(36), primary_key=True),
            *_timestamps(),
            sa.Column('project_id', sa.String(80), nullable=False),
            sa.Column('scope', sa.String(80), nullable=False)]


def _definition(table: str, *columns: sa.SchemaItem) -> None:
    """A named, namespaced definition: unique per project and namespace."""
    op.create_table(
        table,
        *_owned(),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('namespace', sa.String(255), nullable=False),
        *columns,
        sa.UniqueConstraint('name', 'namespace', 'project_id',
                            name=f'uq_{table}_name'))
    _project_index(table)


def _execution_columns() -> list[sa.Column]:
    """Columns shared by workflow, task and action executions."""
    return [sa.Column('name', sa.String(255), nullable=True),
            sa.Column('description', sa.String(255), nullable=True),
            sa.Column('workflow_name', sa.String(255), nullable=True),
            sa.Column('workflow_namespace', sa.String(255), nullable=True),
            sa.Column('workflow_id', sa.String(80), nullable=True),
            sa.Column('state', sa.String(20), nullable=False),
            sa.Column('state_info', sa.Text(), nullable=True),
            _json('tags'),
            _json('runtime_context')]


def _project_index(table: str) -> None:
    op.create_index(f'ix_{table}_project_id', table, ['project_id'])


def _create_definitions() -> None:
    _definition('workbooks_v2',
                sa.Column('definition', LONG_TEXT, nullable=True),
                _json('spec'), _json('tags'))
    _definition('workflow_definitions_v2',
                sa.Column('definition', LONG_TEXT, nullable=True),
                _json('spec'), _json('tags'),
                sa.Column('checksum', sa.String(32), nullable=True),
                sa.Column('is_system', sa.Boolean(), nullable=False))
    _definition('action_definitions_v2',
                sa.Column('definition', LONG_TEXT, nullable=True),
                _json('spec'), _json('tags'),
                sa.Column('description', sa.Text(), nullable=True),
                sa.Column('input', sa.Text(), nullable=True),
                sa.Column('action_class', sa.String(200), nullable=True),
                _json('attributes'),
                sa.Column('is_system', sa.Boolean(), nullable=False))
    _definition('code_sources',
                sa.Column('content', LONG_TEXT, nullable=False),
                sa.Column('version', sa.Integer(), nullable=False),
                _json('tags'))
    _definition('dynamic_action_definitions',
                sa.Column('class_name', sa.String(255), nullable=False),
                sa.Column('code_source_id', sa.String(36), nullable=False),
                sa.Column('code_source_name', sa.String(255),
                          nullable=False),
                sa.ForeignKeyConstraint(
                    ['code_source_id'], ['code_sources.id'],
                    name='fk_dynamic_action_definitions_code_source',
                    ondelete='CASCADE'))

    op.create_table(
        'environments_v2',
        *_owned(),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        _json('variables'),
        sa.UniqueConstraint('name', 'project_id',
                            name='uq_environments_v2_name'))
    _project_index('environments_v2')

    op.create_table(
        'resource_members_v2',
        sa.Column('id', sa.String(36), primary_key=True),
        *_timestamps(),
        sa.Column('project_id', sa.String(80), nullable=False),
        sa.Column('member_id', sa.String(80), nullable=False),
        sa.Column('resource_id', sa.String(80), nullable=False),
        sa.Column('resource_type', sa.String(50), nullable=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.UniqueConstraint('resource_id', 'resource_type', 'member_id',
                            name='uq_resource_members_v2_member'))


def _create_executions() -> None:
    op.create_table(
        'workflow_executions_v2',
        *_owned(),
        *_execution_columns(),
        _json('spec'),
        sa.Column('accepted', sa.Boolean(), nullable=False),
        _json('input'), _json('output'), _json('params'), _json('context'),
        sa.Column('task_execution_id', sa.String(36), nullable=True),
        sa.Column('root_execution_id', sa.String(36), nullable=True),
        sa.Column('source_execution_id', sa.String(36), nullable=True))
    _project_index('workflow_executions_v2')
    op.create_index('ix_workflow_executions_v2_task_execution_id',
                    'workflow_executions_v2', ['task_execution_id'])
    op.create_index('workflow_executions_v2_state', 'workflow_executions_v2',
                    ['state'])
    op.create_index('workflow_executions_v2_root', 'workflow_executions_v2',
                    ['root_execution_id'])

    op.create_table(
        'task_executions_v2',
        *_owned(),
        *_execution_columns(),
        sa.Column('workflow_execution_id', sa.String(36), nullable=False),
        _json('spec'), _json('action_spec'),
        sa.Column('type', sa.String(10), nullable=False),
        sa.Column('unique_key', sa.String(255), nullable=True),
        _json('in_context'), _json('published'),
        sa.Column('processed', sa.Boolean(), nullable=False),
        sa.Column('has_next_tasks', sa.Boolean(), nullable=False),
        _json('next_tasks'),
        sa.Column('error_handled', sa.Boolean(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['workflow_execution_id'], ['workflow_executions_v2.id'],
            name='fk_task_executions_v2_workflow_execution',
            ondelete='CASCADE'),
        sa.UniqueConstraint('unique_key',
                            name='uq_task_executions_v2_unique_key'))
    _project_index('task_executions_v2')
    op.create_index('task_executions_v2_wf_ex_name', 'task_executions_v2',
                    ['workflow_execution_id', 'name'])
    op.create_index('task_executions_v2_wf_ex_state', 'task_executions_v2',
                    ['workflow_execution_id', 'state'])

    op.create_table(
        'action_executions_v2',
        *_owned(),
        *_execution_columns(),
        sa.Column('task_execution_id', sa.String(36), nullable=True),
        sa.Column('workflow_execution_id', sa.String(36), nullable=True),
        sa.Column('task_name', sa.String(255), nullable=True),
        _json('spec'),
        sa.Column('accepted', sa.Boolean(), nullable=False),
        _json('input'), _json('output'), _json('params'),
        sa.Column('is_sync', sa.Boolean(), nullable=False),
        sa.Column('last_heartbeat', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['task_execution_id'], ['task_executions_v2.id'],
            name='fk_action_executions_v2_task_execution',
            ondelete='CASCADE'))
    _project_index('action_executions_v2')
    op.create_index('ix_action_executions_v2_task_execution_id',
                    'action_executions_v2', ['task_execution_id'])
    op.create_index('ix_action_executions_v2_workflow_execution_id',
                    'action_executions_v2', ['workflow_execution_id'])
    op.create_index('action_executions_v2_state_heartbeat',
                    'action_executions_v2', ['state', 'last_heartbeat'])


def _create_triggers() -> None:
    op.create_table(
        'cron_triggers_v2',
        *_owned(),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('pattern', sa.String(100), nullable=True),
        sa.Column('first_execution_time', sa.DateTime(), nullable=True),
        sa.Column('next_execution_time', sa.DateTime(), nullable=False),
        sa.Column('workflow_name', sa.String(255), nullable=True),
        sa.Column('workflow_id', sa.String(36), nullable=True),
        _json('workflow_input'),
        sa.Column('workflow_input_hash', sa.String(64), nullable=True),
        _json('workflow_params'),
        sa.Column('workflow_params_hash', sa.String(64), nullable=True),
        sa.Column('remaining_executions', sa.Integer(), nullable=True),
        sa.Column('trust_id', sa.String(80), nullable=True),
        sa.UniqueConstraint('name', 'project_id',
                            name='uq_cron_triggers_v2_name'))
    _project_index('cron_triggers_v2')
    op.create_index('cron_triggers_v2_next_execution_time',
                    'cron_triggers_v2', ['next_execution_time'])

    op.create_table(
        'event_triggers_v2',
        *_owned(),
        sa.Column('name', sa.String(200), nullable=True),
        sa.Column('workflow_id', sa.String(36), nullable=False),
        _json('workflow_input'), _json('workflow_params'),
        sa.Column('exchange', sa.String(80), nullable=False),
        sa.Column('topic', sa.String(80), nullable=False),
        sa.Column('event', sa.String(80), nullable=False),
        sa.Column('trust_id', sa.String(80), nullable=True),
        sa.UniqueConstraint('exchange', 'topic', 'event', 'workflow_id',
                            'project_id',
                            name='uq_event_triggers_v2_subscription'))
    _project_index('event_triggers_v2')


def _create_engine_internals() -> None:
    op.create_table(
        'scheduled_jobs_v2',
        sa.Column('id', sa.String(36), primary_key=True),
        *_timestamps(),
        sa.Column('key', sa.String(255), nullable=True),
        sa.Column('func_name', sa.String(255), nullable=False),
        _json('func_args'),
        sa.Column('execute_at', sa.DateTime(), nullable=False),
        sa.Column('captured_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('key', name='uq_scheduled_jobs_v2_key'))
    op.create_index('scheduled_jobs_v2_due', 'scheduled_jobs_v2',
                    ['execute_at'])

    op.create_table(
        'outbox_v2',
        sa.Column('id', sa.String(36), primary_key=True),
        *_timestamps(),
        sa.Column('topic', sa.String(255), nullable=False),
        sa.Column('server', sa.String(255), nullable=True),
        sa.Column('method', sa.String(255), nullable=False),
        _json('payload'))
    op.create_index('outbox_v2_created_at', 'outbox_v2', ['created_at'])

    op.create_table(
        'mistral_metrics',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('value', sa.String(255), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('name', name='uq_mistral_metrics_name'))


def upgrade() -> None:
    _create_definitions()
    _create_executions()
    _create_triggers()
    _create_engine_internals()


def downgrade() -> None:
    # Children before parents; dropping a table drops its indexes.
    for table in TABLES:
        op.drop_table(table)
