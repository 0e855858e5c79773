"""The rule of each REST operation, and the request that triggers it.

`OPERATIONS` is the single table both the enforcer
(`mistral.api.policy`) and the generated documentation read: each rule
names the HTTP method and path it guards.
"""
from __future__ import annotations

from oslo_policy import policy

from mistral.policies.base import ADMIN_ONLY, ADMIN_OR_OWNER

_CRUD = {
    'list': ('GET', ''),
    'get': ('GET', '/{id}'),
    'create': ('POST', ''),
    'update': ('PUT', '/{id}'),
    'delete': ('DELETE', '/{id}'),
}

_VERBS = {'list': 'List', 'get': 'Show one of the', 'create': 'Create',
          'update': 'Update', 'delete': 'Delete'}

# resource -> (operations, default rule of those operations)
_RESOURCES: dict[str, tuple[tuple[str, ...], str]] = {
    'workbooks': (tuple(_CRUD), ADMIN_OR_OWNER),
    'workflows': (tuple(_CRUD), ADMIN_OR_OWNER),
    'actions': (tuple(_CRUD), ADMIN_OR_OWNER),
    'executions': (tuple(_CRUD), ADMIN_OR_OWNER),
    'tasks': (('list', 'get', 'update'), ADMIN_OR_OWNER),
    'action_executions': (tuple(_CRUD), ADMIN_OR_OWNER),
    'cron_triggers': (('list', 'get', 'create', 'delete'), ADMIN_OR_OWNER),
    'environments': (tuple(_CRUD), ADMIN_OR_OWNER),
    'event_triggers': (tuple(_CRUD), ADMIN_OR_OWNER),
    'code_sources': (tuple(_CRUD), ADMIN_ONLY),
    'dynamic_actions': (tuple(_CRUD), ADMIN_ONLY),
}

# Making a resource visible to every project.
PUBLICIZABLE = ('workbooks', 'workflows', 'actions', 'cron_triggers',
                'environments', 'event_triggers', 'code_sources',
                'dynamic_actions')

# Lists that take `all_projects=true` (rows of every project).
ALL_PROJECTS = ('workflows', 'executions', 'cron_triggers', 'event_triggers',
                'code_sources', 'dynamic_actions')


def rules() -> list[policy.DocumentedRuleDefault]:
    found: list[policy.DocumentedRuleDefault] = []
    for resource, (operations, default) in _RESOURCES.items():
        for operation in operations:
            method, suffix = _CRUD[operation]
            found.append(policy.DocumentedRuleDefault(
                f'{resource}:{operation}', default,
                f'{_VERBS[operation]} {resource.replace("_", " ")}.',
                [{'method': method, 'path': f'/v2/{resource}{suffix}'}]))
    for resource in PUBLICIZABLE:
        found.append(policy.DocumentedRuleDefault(
            f'{resource}:publicize', ADMIN_ONLY,
            f'Create or update {resource.replace("_", " ")} with '
            '"scope: public", visible to every project.',
            [{'method': 'POST', 'path': f'/v2/{resource}'},
             {'method': 'PUT', 'path': f'/v2/{resource}'}]))
    for resource in ALL_PROJECTS:
        found.append(policy.DocumentedRuleDefault(
            f'{resource}:list:all_projects', ADMIN_ONLY,
            f'List the {resource.replace("_", " ")} of every project.',
            [{'method': 'GET',
              'path': f'/v2/{resource}?all_projects=true'}]))
    members = {'list': ('GET', ''), 'get': ('GET', '/{member_id}'),
               'create': ('POST', ''), 'update': ('PUT', '/{member_id}'),
               'delete': ('DELETE', '/{member_id}')}
    for operation, (method, suffix) in members.items():
        found.append(policy.DocumentedRuleDefault(
            f'members:{operation}', ADMIN_OR_OWNER,
            f'{operation.capitalize()} the members a workflow is shared '
            'with.',
            [{'method': method,
              'path': f'/v2/workflows/{{id}}/members{suffix}'}]))
    found.append(policy.DocumentedRuleDefault(
        'maintenance:update', ADMIN_ONLY,
        'Change the maintenance status of the whole service (pausing it '
        'pauses the executions of every project).',
        [{'method': 'PUT', 'path': '/v2/maintenance'}]))
    return found
