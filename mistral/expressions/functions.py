"""Mistral's custom expression functions, shared by YAQL and Jinja.

The functions read the running execution through `FunctionContext`, an
interface the engine implements; the expression layer itself never touches
storage.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

import yaml

from mistral import exceptions as exc
from mistral.utils import jsonutils, safe_yaml

# Data-context key under which the caller passes its FunctionContext.
LOOKUPS_KEY = '__lookups'
ENV_KEY = '__env'
TASK_KEY = '__task_execution'
EXECUTION_KEY = '__execution'


class FunctionContext(Protocol):
    """What `task()`, `execution()`, `global()` and friends read."""

    def task(self, name: str | None) -> dict | None: ...

    def tasks(self, workflow_execution_id: str | None, recursive: bool,
              state: str | None, flat: bool) -> list[dict]: ...

    def execution(self) -> dict: ...

    def executions(self, id: str | None, root_execution_id: str | None,
                   state: str | None, from_time: str | None,
                   to_time: str | None) -> list[dict]: ...

    def global_var(self, name: str) -> Any: ...


def _lookups(data: Any) -> FunctionContext | None:
    if isinstance(data, Mapping):
        return data.get(LOOKUPS_KEY)
    return None


def env_(data: Any) -> dict:
    if isinstance(data, Mapping):
        return data.get(ENV_KEY) or {}
    return {}


def execution_(data: Any) -> dict | None:
    lookups = _lookups(data)
    return lookups.execution() if lookups else None


def executions_(data: Any, id: str | None = None,
                root_execution_id: str | None = None,
                state: str | None = None, from_time: str | None = None,
                to_time: str | None = None) -> list[dict]:
    lookups = _lookups(data)
    if lookups is None:
        return []
    return lookups.executions(id, root_execution_id, state, from_time,
                              to_time)


def global_(data: Any, name: str) -> Any:
    lookups = _lookups(data)
    return lookups.global_var(name) if lookups else None


def task_(data: Any, name: str | None = None) -> dict | None:
    lookups = _lookups(data)
    return lookups.task(name) if lookups else None


def tasks_(data: Any, workflow_execution_id: str | None = None,
           recursive: bool = False, state: str | None = None,
           flat: bool = False) -> list[dict]:
    lookups = _lookups(data)
    if lookups is None:
        return []
    return lookups.tasks(workflow_execution_id, recursive, state, flat)


def uuid_(data: Any = None) -> str:
    return str(uuid.uuid4())


def json_dump_(data: Any, value: Any) -> str:
    return jsonutils.dumps(value, indent=4)


def json_parse_(data: Any, text: str) -> Any:
    return json.loads(text)


def yaml_dump_(data: Any, value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=False)


def yaml_parse_(data: Any, text: str) -> Any:
    try:
        return safe_yaml.load(text)
    except exc.DSLParsingError as e:
        raise ValueError(str(e))


# name -> implementation; the first argument is always the data context.
FUNCTIONS = {
    'env': env_,
    'execution': execution_,
    'executions': executions_,
    'global': global_,
    'task': task_,
    'tasks': tasks_,
    'uuid': uuid_,
    'json_dump': json_dump_,
    'json_parse': json_parse_,
    'yaml_dump': yaml_dump_,
    'yaml_parse': yaml_parse_,
}
