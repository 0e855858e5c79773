"""Creating workflow executions: top-level ones and sub-workflows."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.context import RequestContext
from mistral import expressions
from mistral.db import models
from mistral.engine import tx_state
from mistral.expressions import functions
from mistral.lang import parser
from mistral.lang.specs import WorkflowSpec
from mistral.workflow import data_flow, states


# Where an execution keeps its caller: masked in the context (what
# workflows see), complete in the runtime context (what actions get).
OPENSTACK_KEY = 'openstack'
SECURITY_KEY = 'security'


def resolve_env(session: Session, env, project_id: str) -> dict:
    """`params.env`: a dict, or the name of a stored environment."""
    env = env or {}
    if isinstance(env, str):
        stored = session.scalars(
            sa.select(models.Environment).where(
                models.Environment.name == env,
                sa.or_(models.Environment.project_id == project_id,
                       models.Environment.scope == 'public'))).first()
        if stored is None:
            raise exc.InputError(f'Environment is not found: {env}')
        env = stored.variables or {}
    if not isinstance(env, dict):
        raise exc.InputError('params.env must be an object or the name of '
                             'a stored environment')
    return env


def new_execution(session: Session, definition: models.WorkflowDefinition,
                  wf_input: dict, params: dict, description: str | None,
                  project_id: str, execution_id: str | None = None,
                  parent_task: models.TaskExecution | None = None,
                  root_execution_id: str | None = None,
                  security: dict | None = None
                  ) -> tuple[models.WorkflowExecution, WorkflowSpec]:
    """Validate input and add a RUNNING execution (not started yet).

    `security` is the authenticated caller (RequestContext wire form);
    a sub-workflow inherits its parent's.
    """
    spec = parser.spec_from_stored(definition.name, definition.spec)
    full_input = data_flow.validate_input(spec.input, wf_input or {},
                                          'WorkflowSpec', definition.name)
    run_params = dict(params or {})
    env = resolve_env(session, run_params.get('env'), project_id)
    if run_params.get('evaluate_env', True) and parent_task is None:
        # Expressions in the environment see the environment itself.
        env = expressions.evaluate_recursively(
            env, {functions.ENV_KEY: env})
    run_params['env'] = env
    run_params.setdefault('namespace', definition.namespace)
    if parent_task is not None and security is None:
        parent = session.get(models.WorkflowExecution,
                             parent_task.workflow_execution_id)
        security = (parent.runtime_context or {}).get(SECURITY_KEY)
    context: dict = {}
    runtime_context: dict = {}
    if security:
        # Workflows read it as $.openstack, secrets masked; the full
        # form stays in runtime_context (never shown by the API) for
        # the actions' security context.
        context[OPENSTACK_KEY] = RequestContext.from_wire(security).masked()
        runtime_context[SECURITY_KEY] = security
    wf_ex = models.WorkflowExecution(
        id=execution_id or models.new_id(),
        name=definition.name,
        description=description or '',
        workflow_name=definition.name,
        workflow_namespace=definition.namespace,
        workflow_id=definition.id,
        spec={'name': definition.name, 'version': '2.0', **definition.spec},
        state=states.RUNNING,
        input=full_input,
        params=run_params,
        context=context,
        runtime_context=runtime_context,
        task_execution_id=parent_task.id if parent_task else None,
        root_execution_id=root_execution_id,
        project_id=project_id,
        tags=list(spec.tags) or None,
        accepted=False,
    )
    tx_state.add_execution(session, wf_ex)
    return wf_ex, spec

