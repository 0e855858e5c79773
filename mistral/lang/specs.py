"""Spec objects of Workflow Language v2: immutable, built from validated dicts.

`WorkflowSpec.from_dict()` collects every problem (schema and semantics)
into one `InvalidModelError` whose messages carry the path of the field.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from mistral import exceptions as exc
from mistral import expressions
from mistral.lang import inline, schemas

ENGINE_COMMANDS = frozenset({'noop', 'fail', 'succeed', 'pause'})
DEFAULT_ACTION = 'std.noop'
TASK_NAME = re.compile(r'^\w+$')
MAX_TASK_NAME = 255
MAX_JOIN_TASK_NAME = 208
_EXPR_NAME = re.compile(r'^\s*(<%.*%>|{{.*}})\s*$', re.DOTALL)
_PATH_KEY = re.compile(r'^[\w-]+$')


def field_path(prefix: str, parts) -> str:
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f'[{part}]'
        elif _PATH_KEY.match(str(part)):
            out += f'.{part}' if out else str(part)
        else:
            out += f"['{part}']"
    return out


def schema_errors(schema: dict, data: Any, prefix: str) -> list[str]:
    """Every schema violation as 'path: message', deepest cause first."""
    validator = jsonschema.Draft7Validator(schema)
    errors = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(
            map(str, e.absolute_path))):
        best = jsonschema.exceptions.best_match([error])
        where = field_path(prefix, best.absolute_path) or '<root>'
        errors.append(f'{where}: {best.message}')
    return errors


def expression_errors(value: Any, where: str) -> list[str]:
    """Grammar errors of every expression inside a value, with their path."""
    if isinstance(value, dict):
        return [e for k, v in value.items()
                for e in expression_errors(v, field_path(where, [k]))]
    if isinstance(value, list):
        return [e for i, v in enumerate(value)
                for e in expression_errors(v, field_path(where, [i]))]
    if isinstance(value, str) and expressions.has_expressions(value):
        try:
            expressions.validate(value)
        except exc.ExpressionGrammarError as e:
            return [f'{where}: {e}']
    return []


@dataclass(frozen=True)
class Transition:
    """One next step of an on-* clause: a task or an engine command."""
    name: str
    params: dict = field(default_factory=dict)
    condition: Any = None  # None: always; otherwise a guard (bool or expr)

    @property
    def is_engine_command(self) -> bool:
        return self.name in ENGINE_COMMANDS


@dataclass(frozen=True)
class OnClause:
    next: tuple[Transition, ...] = ()
    publish: dict | None = None          # branch variables
    publish_global: dict | None = None   # workflow-wide variables


def _transition(item: Any, where: str, errors: list[str]) -> Transition | None:
    condition = None
    if isinstance(item, dict):
        if len(item) != 1:
            return None  # reported by the schema
        (item, condition), = item.items()
        if isinstance(condition, str):
            errors.extend(expression_errors(condition, where))
    if not isinstance(item, str):
        return None  # reported by the schema
    errors.extend(expression_errors(item, where))
    try:
        name, params = inline.parse(str(item))
    except ValueError as e:
        errors.append(f'{where}: {e}')
        return None
    return Transition(name=name, params=params, condition=condition)


def _next_items(value: Any) -> list:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return [value]


def parse_on_clause(value: Any, where: str,
                    errors: list[str]) -> OnClause | None:
    if value is None:
        return None
    publish = publish_global = None
    if isinstance(value, dict) and (set(value) & {'publish', 'next'}):
        pub = value.get('publish')
        pub = pub if isinstance(pub, dict) else {}
        publish = pub.get('branch')
        publish_global = pub.get('global')
        errors.extend(expression_errors(pub, f'{where}.publish'))
        value = value.get('next', [])
    items = []
    for i, item in enumerate(_next_items(value)):
        t = _transition(item, f'{where}[{i}]', errors)
        if t is not None:
            items.append(t)
    return OnClause(next=tuple(items), publish=publish,
                    publish_global=publish_global)


def _name_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []  # anything else is reported by the schema


@dataclass(frozen=True)
class TaskSpec:
    name: str
    raw: dict
    action: str | None
    workflow: str | None
    input: Any              # dict of values/expressions or one expression
    publish: dict | None
    publish_on_error: dict | None
    publish_on_skip: dict | None
    on_success: OnClause | None
    on_error: OnClause | None
    on_complete: OnClause | None
    on_skip: OnClause | None
    join: Any
    requires: tuple[str, ...]
    policies: dict          # retry, wait-before, ... (raw values)

    @property
    def type(self) -> str:
        return 'WORKFLOW' if self.workflow else 'ACTION'

    def clauses(self) -> list[OnClause]:
        return [c for c in (self.on_success, self.on_error, self.on_complete,
                            self.on_skip) if c is not None]

    def next_task_names(self) -> set[str]:
        return {t.name for c in self.clauses() for t in c.next
                if not t.is_engine_command}


def _task(name: str, raw: dict, defaults: dict, where: str,
          errors: list[str]) -> TaskSpec:
    errors.extend(schema_errors(schemas.TASK, raw, where))
    if not isinstance(raw, dict):
        raw = {}
    if not TASK_NAME.match(name):
        errors.append(f"{where}: task name '{name}' may contain only "
                      'letters, digits and underscores')
    limit = MAX_JOIN_TASK_NAME if 'join' in raw else MAX_TASK_NAME
    if len(name) > limit:
        errors.append(f'{where}: task name is longer than {limit} characters')
    if 'action' in raw and 'workflow' in raw:
        errors.append(f"{where}: 'action' and 'workflow' can not be used "
                      'together')
    errors.extend(expression_errors(
        {k: v for k, v in raw.items()
         if k not in ('on-success', 'on-error', 'on-complete', 'on-skip')},
        where))

    action = workflow = None
    params: dict = {}
    for key in ('action', 'workflow'):
        text = raw.get(key)
        if isinstance(text, str):
            try:
                ref, params = inline.parse(text)
            except ValueError as e:
                errors.append(f'{where}.{key}: {e}')
                continue
            if key == 'action':
                action = ref
            else:
                workflow = ref
    if action is None and workflow is None:
        action = DEFAULT_ACTION
    task_input: Any = raw.get('input')
    if isinstance(task_input, dict) or task_input is None:
        task_input = {**params, **(task_input or {})}

    def clause(key: str) -> OnClause | None:
        # task-defaults apply only where the task has no clause of that kind,
        # and never make a task transition to itself.
        if key in raw:
            return parse_on_clause(raw[key], f'{where}.{key}', errors)
        default = parse_on_clause(defaults.get(key), f'task-defaults.{key}',
                                  [])
        if default is None:
            return None
        return OnClause(
            next=tuple(t for t in default.next if t.name != name),
            publish=default.publish, publish_global=default.publish_global)

    requires = _name_list(raw.get('requires')) + \
        _name_list(defaults.get('requires'))
    requires = list(dict.fromkeys(r for r in requires if r != name))

    if 'with-items' in raw:
        try:
            inline.parse_with_items(raw['with-items'])
        except exc.InputError as e:
            errors.append(f'{where}.with-items: {e}')

    policies = {k: defaults[k] for k in schemas.POLICIES if k in defaults}
    policies.update({k: raw[k] for k in schemas.POLICIES if k in raw})
    for k in ('with-items', 'keep-result', 'target'):
        if k in raw:
            policies[k] = raw[k]

    return TaskSpec(
        name=name, raw=raw, action=action, workflow=workflow,
        input=task_input, publish=raw.get('publish'),
        publish_on_error=raw.get('publish-on-error'),
        publish_on_skip=raw.get('publish-on-skip'),
        on_success=clause('on-success'), on_error=clause('on-error'),
        on_complete=clause('on-complete'), on_skip=clause('on-skip'),
        join=raw.get('join'), requires=tuple(requires), policies=policies)


@dataclass(frozen=True)
class InputParam:
    name: str
    required: bool
    default: Any = None


@dataclass(frozen=True)
class WorkflowSpec:
    name: str
    raw: dict
    type: str
    description: str
    tags: tuple[str, ...]
    input: tuple[InputParam, ...]
    output: dict | None
    output_on_error: dict | None
    vars: dict
    tasks: dict[str, TaskSpec]
    # Derived once, at build time, for the direct-workflow controller.
    inbound: dict[str, tuple[str, ...]] = field(default_factory=dict)
    start_tasks: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, name: str, raw: Any, version: str = '2.0'
                  ) -> 'WorkflowSpec':
        errors: list[str] = []
        spec = cls.build(name, raw, errors)
        if errors:
            raise exc.InvalidModelError(errors)
        return spec

    @classmethod
    def build(cls, name: str, raw: Any, errors: list[str]) -> 'WorkflowSpec':
        where = name
        schema_errs = schema_errors(schemas.WORKFLOW, raw, where)
        if isinstance(raw, dict) and not raw.get('tasks'):
            schema_errs = [e for e in schema_errs if '.tasks' not in e
                           and "'tasks'" not in e]
            schema_errs.append(f"{where}: Workflow doesn't have any tasks")
        errors.extend(schema_errs)
        if not isinstance(raw, dict):
            raw = {}
        if ' ' in name:
            errors.append(f"{where}: Name '{name}' must not contain spaces")
        try:
            uuid.UUID(name)
            errors.append(f'{where}: Workflow name cannot be in the format '
                          'of UUID.')
        except ValueError:
            pass
        for key in ('output', 'output-on-error', 'vars'):
            errors.extend(expression_errors(raw.get(key), f'{where}.{key}'))

        params = []
        for item in raw.get('input') or []:
            if isinstance(item, dict) and len(item) == 1:
                (p, default), = item.items()
                params.append(InputParam(str(p), False, default))
            elif isinstance(item, str):
                params.append(InputParam(item, True))

        defaults = raw.get('task-defaults') or {}
        if not isinstance(defaults, dict):
            defaults = {}
        for key in ('on-success', 'on-error', 'on-complete', 'on-skip'):
            parse_on_clause(defaults.get(key),
                            f'{where}.task-defaults.{key}', errors)
        errors.extend(expression_errors(
            {k: v for k, v in defaults.items()
             if k not in ('on-success', 'on-error', 'on-complete',
                          'on-skip')}, f'{where}.task-defaults'))
        tasks_raw = raw.get('tasks') or {}
        tasks = {}
        if isinstance(tasks_raw, dict):
            for t_name, t_raw in tasks_raw.items():
                tasks[str(t_name)] = _task(str(t_name), t_raw, defaults,
                                           f'{where}.tasks.{t_name}', errors)

        wf_type = raw.get('type', 'direct')
        spec = cls(
            name=name, raw=raw, type=wf_type,
            description=raw.get('description', ''),
            tags=tuple(t for t in (raw.get('tags') if isinstance(
                raw.get('tags'), list) else ()) if isinstance(t, str)),
            input=tuple(params),
            output=raw.get('output'),
            output_on_error=raw.get('output-on-error'),
            vars=raw.get('vars') or {}, tasks=tasks)
        if wf_type == 'direct':
            _link_direct(spec, errors)
        else:
            _check_reverse(spec, errors)
        return spec

    def task(self, name: str) -> TaskSpec:
        return self.tasks[name]

    def input_names(self) -> list[str]:
        return [p.name for p in self.input]


def _link_direct(spec: WorkflowSpec, errors: list[str]) -> None:
    inbound: dict[str, list[str]] = {name: [] for name in spec.tasks}
    for task in spec.tasks.values():
        for clause in task.clauses():
            for t in clause.next:
                if t.name in spec.tasks:
                    if task.name not in inbound[t.name]:
                        inbound[t.name].append(task.name)
                elif not t.is_engine_command and not _EXPR_NAME.match(t.name):
                    errors.append(f'{spec.name}.tasks.{task.name}: '
                                  f"Task '{t.name}' not found.")
    for task in spec.tasks.values():
        n_in = len(inbound[task.name])
        if task.join == 'all' and n_in == 0:
            errors.append(f'{spec.name}.tasks.{task.name}.join: a join task '
                          'needs at least one inbound task')
        elif (task.join == 'one' and n_in == 0) or (
                isinstance(task.join, int) and
                not isinstance(task.join, bool) and task.join > n_in):
            errors.append(f'{spec.name}.tasks.{task.name}.join: join: '
                          f'{task.join} but only {n_in} inbound tasks')
    starts = tuple(n for n, srcs in inbound.items() if not srcs)
    if spec.tasks and not starts:
        errors.append(f'{spec.name}: Failed to find start tasks in direct '
                      'workflow')
    object.__setattr__(spec, 'inbound',
                       {k: tuple(v) for k, v in inbound.items()})
    object.__setattr__(spec, 'start_tasks', starts)


def _check_reverse(spec: WorkflowSpec, errors: list[str]) -> None:
    for task in spec.tasks.values():
        if task.join is not None:
            errors.append(f'{spec.name}.tasks.{task.name}.join: join is '
                          'only used by direct workflows')
        for key in ('on-success', 'on-error', 'on-complete', 'on-skip'):
            if key in task.raw:
                errors.append(f'{spec.name}.tasks.{task.name}.{key}: '
                              'transitions are only used by direct '
                              'workflows; use requires')
        for req in task.requires:
            if req not in spec.tasks:
                errors.append(f'{spec.name}.tasks.{task.name}.requires: '
                              f"Task '{req}' not found.")
