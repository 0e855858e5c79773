"""Typed clients for the engine's RPC methods."""
from __future__ import annotations

from mistral.rpc.base import Transport


class EngineClient:
    def __init__(self, transport: Transport, topic: str,
                 timeout: float = 60.0) -> None:
        self._transport = transport
        self._topic = topic
        self._timeout = timeout

    def _call(self, method: str, **payload) -> dict:
        return self._transport.call(self._topic, method, payload,
                                    timeout=self._timeout)

    def start_workflow(self, workflow_id: str, execution_id: str,
                       wf_input: dict, params: dict,
                       description: str | None, project_id: str,
                       source_execution_id: str | None = None,
                       security: dict | None = None) -> dict:
        """`security`: the caller's RequestContext.to_wire(), when the
        API authenticates its callers."""
        return self._call('start_workflow', workflow_id=workflow_id,
                          execution_id=execution_id, wf_input=wf_input,
                          params=params, description=description,
                          project_id=project_id,
                          source_execution_id=source_execution_id,
                          security=security)

    def pause_workflow(self, execution_id: str) -> dict:
        return self._call('pause_workflow', execution_id=execution_id)

    def resume_workflow(self, execution_id: str,
                        env: dict | None = None) -> dict:
        return self._call('resume_workflow', execution_id=execution_id,
                          env=env)

    def stop_workflow(self, execution_id: str, state: str,
                      message: str | None = None) -> dict:
        return self._call('stop_workflow', execution_id=execution_id,
                          state=state, message=message)

    def rerun_task(self, task_ex_id: str, reset: bool,
                   env: dict | None = None) -> dict:
        return self._call('rerun_task', task_ex_id=task_ex_id, reset=reset,
                          env=env)

    def skip_task(self, task_ex_id: str) -> dict:
        return self._call('skip_task', task_ex_id=task_ex_id)

    def start_action(self, action_name: str, action_input: dict,
                     description: str | None, namespace: str, params: dict,
                     project_id: str) -> dict:
        return self._call('start_action', action_name=action_name,
                          action_input=action_input, description=description,
                          namespace=namespace, params=params,
                          project_id=project_id)

    def update_action(self, action_ex_id: str, state: str, output) -> None:
        self._call('update_action', action_ex_id=action_ex_id, state=state,
                   output=output)
