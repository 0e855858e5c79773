"""The whole SQL schema, as SQLAlchemy 2.0 models.

Table names follow upstream Mistral. Every row a user owns carries
`project_id` and `scope`. JSON values are stored as text (portable across
SQLite, PostgreSQL and MySQL) through `JsonText`.
"""
from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import (DeclarativeBase, Mapped, mapped_column,
                            relationship)

from mistral.utils import jsonutils

DEFAULT_PROJECT_ID = '<default-project>'

_LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), 'mysql')


class JsonText(sa.types.TypeDecorator):
    """Any JSON value, stored as text."""
    impl = _LONG_TEXT
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> str | None:
        return None if value is None else jsonutils.dumps(value)

    def process_result_value(self, value: str | None, dialect) -> Any:
        return None if value is None else json.loads(value)


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class _Timestamps:
    created_at: Mapped[datetime.datetime] = mapped_column(
        sa.DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        sa.DateTime, onupdate=utcnow)


class _Owned(_Timestamps):
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True,
                                    default=new_id)
    project_id: Mapped[str] = mapped_column(
        sa.String(80), default=DEFAULT_PROJECT_ID, nullable=False,
        index=True)
    scope: Mapped[str] = mapped_column(sa.String(80), default='private',
                                       nullable=False)


# -- Definitions ---------------------------------------------------------------

class Workbook(_Owned, Base):
    __tablename__ = 'workbooks_v2'
    __table_args__ = (sa.UniqueConstraint('name', 'namespace', 'project_id'),)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    namespace: Mapped[str] = mapped_column(sa.String(255), default='',
                                           nullable=False)
    definition: Mapped[str | None] = mapped_column(_LONG_TEXT)
    spec: Mapped[Any] = mapped_column(JsonText, nullable=True)
    tags: Mapped[Any] = mapped_column(JsonText, nullable=True)


class WorkflowDefinition(_Owned, Base):
    __tablename__ = 'workflow_definitions_v2'
    __table_args__ = (sa.UniqueConstraint('name', 'namespace', 'project_id'),)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    namespace: Mapped[str] = mapped_column(sa.String(255), default='',
                                           nullable=False)
    definition: Mapped[str | None] = mapped_column(_LONG_TEXT)
    spec: Mapped[Any] = mapped_column(JsonText, nullable=True)
    tags: Mapped[Any] = mapped_column(JsonText, nullable=True)
    checksum: Mapped[str | None] = mapped_column(sa.String(32))
    is_system: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class ActionDefinition(_Owned, Base):
    __tablename__ = 'action_definitions_v2'
    __table_args__ = (sa.UniqueConstraint('name', 'namespace', 'project_id'),)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    namespace: Mapped[str] = mapped_column(sa.String(255), default='',
                                           nullable=False)
    definition: Mapped[str | None] = mapped_column(_LONG_TEXT)
    spec: Mapped[Any] = mapped_column(JsonText, nullable=True)
    tags: Mapped[Any] = mapped_column(JsonText, nullable=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    input: Mapped[str | None] = mapped_column(sa.Text)
    action_class: Mapped[str | None] = mapped_column(sa.String(200))
    attributes: Mapped[Any] = mapped_column(JsonText, nullable=True)
    is_system: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class CodeSource(_Owned, Base):
    __tablename__ = 'code_sources'
    __table_args__ = (sa.UniqueConstraint('name', 'namespace', 'project_id'),)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    namespace: Mapped[str] = mapped_column(sa.String(255), default='',
                                           nullable=False)
    content: Mapped[str] = mapped_column(_LONG_TEXT, nullable=False)
    version: Mapped[int] = mapped_column(sa.Integer, default=1,
                                         nullable=False)
    tags: Mapped[Any] = mapped_column(JsonText, nullable=True)


class DynamicActionDefinition(_Owned, Base):
    __tablename__ = 'dynamic_action_definitions'
    __table_args__ = (sa.UniqueConstraint('name', 'namespace', 'project_id'),)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    namespace: Mapped[str] = mapped_column(sa.String(255), default='',
                                           nullable=False)
    class_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    code_source_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey('code_sources.id', ondelete='CASCADE'),
        nullable=False)
    code_source_name: Mapped[str] = mapped_column(sa.String(255),
                                                  nullable=False)


class Environment(_Owned, Base):
    __tablename__ = 'environments_v2'
    __table_args__ = (sa.UniqueConstraint('name', 'project_id'),)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    variables: Mapped[Any] = mapped_column(JsonText, nullable=True)


class ResourceMember(_Timestamps, Base):
    __tablename__ = 'resource_members_v2'
    __table_args__ = (sa.UniqueConstraint('resource_id', 'resource_type',
                                          'member_id'),)
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True,
                                    default=new_id)
    project_id: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    member_id: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    resource_id: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    resource_type: Mapped[str] = mapped_column(sa.String(50),
                                               default='workflow',
                                               nullable=False)
    status: Mapped[str] = mapped_column(sa.String(20), default='pending',
                                        nullable=False)


# -- Executions ----------------------------------------------------------------

class _Execution(_Owned):
    # Set on insert too: executions created and finished in one transaction
    # are never UPDATEd, and clients expect a value.
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        sa.DateTime, default=utcnow, onupdate=utcnow)

    def __init__(self, **fields) -> None:
        # Timestamps from the start, not only once flushed: the engine
        # flushes new executions at commit, and expressions such as
        # execution().created_at read them before.
        now = utcnow()
        fields.setdefault('created_at', now)
        fields.setdefault('updated_at', now)
        super().__init__(**fields)
    name: Mapped[str | None] = mapped_column(sa.String(255))
    description: Mapped[str | None] = mapped_column(sa.String(255))
    workflow_name: Mapped[str | None] = mapped_column(sa.String(255))
    workflow_namespace: Mapped[str | None] = mapped_column(sa.String(255))
    workflow_id: Mapped[str | None] = mapped_column(sa.String(80))
    state: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    state_info: Mapped[str | None] = mapped_column(sa.Text)
    tags: Mapped[Any] = mapped_column(JsonText, nullable=True)
    runtime_context: Mapped[Any] = mapped_column(JsonText, nullable=True)


class WorkflowExecution(_Execution, Base):
    __tablename__ = 'workflow_executions_v2'
    __table_args__ = (
        sa.Index('workflow_executions_v2_state', 'state'),
        sa.Index('workflow_executions_v2_root', 'root_execution_id'),
    )
    spec: Mapped[Any] = mapped_column(JsonText, nullable=True)
    accepted: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    input: Mapped[Any] = mapped_column(JsonText, nullable=True)
    output: Mapped[Any] = mapped_column(JsonText, nullable=True)
    params: Mapped[Any] = mapped_column(JsonText, nullable=True)
    context: Mapped[Any] = mapped_column(JsonText, nullable=True)
    task_execution_id: Mapped[str | None] = mapped_column(sa.String(36),
                                                          index=True)
    root_execution_id: Mapped[str | None] = mapped_column(sa.String(36))
    source_execution_id: Mapped[str | None] = mapped_column(sa.String(36))


# An execution as the engine hands it to the API right after starting it
# (so the API need not read it back): plain values, ISO timestamps.
_SHOWN = ('id', 'created_at', 'updated_at', 'project_id', 'workflow_id',
          'workflow_name', 'workflow_namespace', 'description', 'tags',
          'params', 'task_execution_id', 'root_execution_id',
          'source_execution_id', 'state', 'state_info', 'input', 'output')
_TIMES = ('created_at', 'updated_at')


def execution_to_wire(wf_ex: 'WorkflowExecution') -> dict:
    """The execution as plain values (timestamps in ISO format)."""
    fields = {name: getattr(wf_ex, name) for name in _SHOWN}
    for name in _TIMES:
        if fields[name] is not None:
            fields[name] = fields[name].isoformat()
    return fields


def execution_from_wire(fields: dict) -> 'WorkflowExecution':
    """A detached execution built from `execution_to_wire`, for display."""
    values = dict(fields)
    for name in _TIMES:
        if values.get(name):
            values[name] = datetime.datetime.fromisoformat(values[name])
    return WorkflowExecution(**values)


class TaskExecution(_Execution, Base):
    __tablename__ = 'task_executions_v2'
    __table_args__ = (
        sa.Index('task_executions_v2_wf_ex_name', 'workflow_execution_id',
                 'name'),
        sa.Index('task_executions_v2_wf_ex_state', 'workflow_execution_id',
                 'state'),
    )
    workflow_execution_id: Mapped[str] = mapped_column(
        sa.String(36),
        sa.ForeignKey('workflow_executions_v2.id', ondelete='CASCADE'),
        nullable=False)
    spec: Mapped[Any] = mapped_column(JsonText, nullable=True)
    action_spec: Mapped[Any] = mapped_column(JsonText, nullable=True)
    # Never loaded (ids are used); declared so the unit of work inserts a
    # workflow execution before its tasks without a flush in between.
    workflow_execution = relationship('WorkflowExecution',
                                      lazy='raise_on_sql')
    type: Mapped[str] = mapped_column(sa.String(10), default='ACTION')
    unique_key: Mapped[str | None] = mapped_column(sa.String(255),
                                                   unique=True)
    in_context: Mapped[Any] = mapped_column(JsonText, nullable=True)
    published: Mapped[Any] = mapped_column(JsonText, nullable=True)
    processed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    has_next_tasks: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    next_tasks: Mapped[Any] = mapped_column(JsonText, nullable=True)
    error_handled: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    started_at: Mapped[datetime.datetime | None] = mapped_column(sa.DateTime)
    finished_at: Mapped[datetime.datetime | None] = mapped_column(
        sa.DateTime)


class ActionExecution(_Execution, Base):
    __tablename__ = 'action_executions_v2'
    __table_args__ = (
        sa.Index('action_executions_v2_state_heartbeat', 'state',
                 'last_heartbeat'),
    )
    task_execution_id: Mapped[str | None] = mapped_column(
        sa.String(36),
        sa.ForeignKey('task_executions_v2.id', ondelete='CASCADE'),
        index=True)
    workflow_execution_id: Mapped[str | None] = mapped_column(sa.String(36),
                                                              index=True)
    task_name: Mapped[str | None] = mapped_column(sa.String(255))
    spec: Mapped[Any] = mapped_column(JsonText, nullable=True)
    accepted: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    input: Mapped[Any] = mapped_column(JsonText, nullable=True)
    # See TaskExecution.workflow_execution.
    task_execution = relationship('TaskExecution', lazy='raise_on_sql')
    output: Mapped[Any] = mapped_column(JsonText, nullable=True)
    params: Mapped[Any] = mapped_column(JsonText, nullable=True)
    is_sync: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    last_heartbeat: Mapped[datetime.datetime | None] = mapped_column(
        sa.DateTime)
    # When and by which delivery an executor took the action (see
    # engine.heartbeats.claim).
    claimed_at: Mapped[datetime.datetime | None] = mapped_column(sa.DateTime)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(36))


# -- Triggers ------------------------------------------------------------------

class CronTrigger(_Owned, Base):
    __tablename__ = 'cron_triggers_v2'
    __table_args__ = (
        sa.UniqueConstraint('name', 'project_id'),
        sa.Index('cron_triggers_v2_next_execution_time',
                 'next_execution_time'),
    )
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    pattern: Mapped[str | None] = mapped_column(sa.String(100))
    first_execution_time: Mapped[datetime.datetime | None] = mapped_column(
        sa.DateTime)
    next_execution_time: Mapped[datetime.datetime] = mapped_column(
        sa.DateTime, nullable=False)
    workflow_name: Mapped[str | None] = mapped_column(sa.String(255))
    workflow_id: Mapped[str | None] = mapped_column(sa.String(36))
    workflow_input: Mapped[Any] = mapped_column(JsonText, nullable=True)
    workflow_input_hash: Mapped[str | None] = mapped_column(sa.String(64))
    workflow_params: Mapped[Any] = mapped_column(JsonText, nullable=True)
    workflow_params_hash: Mapped[str | None] = mapped_column(sa.String(64))
    remaining_executions: Mapped[int | None] = mapped_column(sa.Integer)
    trust_id: Mapped[str | None] = mapped_column(sa.String(80))


class EventTrigger(_Owned, Base):
    __tablename__ = 'event_triggers_v2'
    __table_args__ = (
        sa.UniqueConstraint('exchange', 'topic', 'event', 'workflow_id',
                            'project_id'),
    )
    name: Mapped[str | None] = mapped_column(sa.String(200))
    workflow_id: Mapped[str] = mapped_column(sa.String(36), nullable=False)
    workflow_input: Mapped[Any] = mapped_column(JsonText, nullable=True)
    workflow_params: Mapped[Any] = mapped_column(JsonText, nullable=True)
    exchange: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    topic: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    event: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    trust_id: Mapped[str | None] = mapped_column(sa.String(80))


# -- Engine internals ----------------------------------------------------------

class ScheduledJob(_Timestamps, Base):
    """A delayed call (wait-before/after, retry delay, timeout, ...)."""
    __tablename__ = 'scheduled_jobs_v2'
    __table_args__ = (sa.Index('scheduled_jobs_v2_due', 'execute_at'),)
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True,
                                    default=new_id)
    key: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    func_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    func_args: Mapped[Any] = mapped_column(JsonText, nullable=True)
    execute_at: Mapped[datetime.datetime] = mapped_column(sa.DateTime,
                                                          nullable=False)
    captured_at: Mapped[datetime.datetime | None] = mapped_column(
        sa.DateTime)


class OutboxMessage(_Timestamps, Base):
    """An RPC message written with the state change it belongs to.

    Sent after the transaction commits; deleted once handed to the
    transport. A row still here after `[engine] outbox_resend_after`
    seconds belongs to a process that died and is sent by any engine.
    """
    __tablename__ = 'outbox_v2'
    __table_args__ = (sa.Index('outbox_v2_created_at', 'created_at'),)
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True,
                                    default=new_id)
    topic: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    server: Mapped[str | None] = mapped_column(sa.String(255))
    method: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    payload: Mapped[Any] = mapped_column(JsonText, nullable=True)


class MistralMetric(Base):
    """Service-wide values, such as the maintenance status."""
    __tablename__ = 'mistral_metrics'
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True,
                                    autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(255), unique=True,
                                      nullable=False)
    value: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    created_at: Mapped[datetime.datetime] = mapped_column(
        sa.DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        sa.DateTime, onupdate=utcnow)
