"""Actions run on their own, outside any workflow (POST /v2/action_executions)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.db import models
from mistral.engine import adhoc
from mistral.executor import executor
from mistral.workflow import states


def new_action_execution(session: Session, name: str, action_input: dict,
                         description: str | None, namespace: str,
                         project_id: str, target: str | None,
                         save: bool) -> tuple[models.ActionExecution,
                                              adhoc.ResolvedAction]:
    """The action execution for a standalone run (added when `save`)."""
    resolved = adhoc.resolve(session, name, action_input, namespace,
                             project_id, env={})
    action_ex = models.ActionExecution(
        id=models.new_id(), name=name, description=description or '',
        workflow_namespace=namespace, project_id=project_id,
        state=states.RUNNING, input=action_input,
        params={'target': target} if target else {},
        is_sync=executor.is_sync_action(resolved.system_name,
                                        resolved.source),
        accepted=True,
        spec={'name': name, 'base': resolved.system_name,
              'output_transforms': resolved.output_transforms},
        runtime_context={})
    if save:
        session.add(action_ex)
        session.flush()
    return action_ex, resolved


def apply_result(action_ex: models.ActionExecution, result: dict) -> bool:
    """Record a result on a standalone action; False if it already had one."""
    if action_ex.state in states.COMPLETED:
        return False
    if result.get('cancel'):
        action_ex.state, value = states.CANCELLED, None
    elif result.get('error') is not None:
        action_ex.state, value = states.ERROR, result['error']
    else:
        action_ex.state, value = states.SUCCESS, result.get('data')
        transforms = (action_ex.spec or {}).get('output_transforms')
        if transforms:
            try:
                value = adhoc.transform_output(transforms, value)
            except exc.MistralError as e:
                action_ex.state, value = states.ERROR, str(e)
    action_ex.output = {'result': value}
    if action_ex.state == states.ERROR:
        action_ex.state_info = str(value)
    return True
