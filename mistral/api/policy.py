"""RBAC of the REST API: every request is checked here, once, against the
oslo.policy rule its method and path map to (`mistral.policies`).

Only installed with authentication on: without Keystone every caller acts
in the same default project and there are no roles to check.
"""
from __future__ import annotations

import json

import webob
from oslo_config import cfg
from oslo_policy import policy

from mistral import policies
from mistral.api.auth import CONTEXT_KEY, error
from mistral.context import RequestContext
from mistral.policies.resources import ALL_PROJECTS, PUBLICIZABLE

_OPERATION = {'GET': 'list', 'POST': 'create', 'PUT': 'update',
              'DELETE': 'delete'}
# Sub-collections under one resource: /v2/<resource>/<id>/<sub>.
_SUB_LISTS = {'tasks': 'tasks:list',
              'action_executions': 'action_executions:list',
              'executions': 'executions:list',
              'workflow_executions': 'executions:list'}


def build_enforcer(conf: cfg.ConfigOpts) -> policy.Enforcer:
    """The enforcer with the defaults in code; `[oslo_policy] policy_file`
    (registered on `conf` by oslo.policy) overrides any of them."""
    enforcer = policy.Enforcer(conf)
    enforcer.register_defaults(policies.list_rules())
    return enforcer


def rules_for(method: str, path: str, query: dict,
              body_scope: str | None) -> list[str]:
    """The rules a request must pass, most basic first."""
    parts = [p for p in path.split('/') if p]
    if parts and parts[0] == 'v2':
        parts = parts[1:]
    if not parts:
        return []
    resource = parts[0]
    if resource == 'maintenance':
        return ['maintenance:update'] if method == 'PUT' else []
    if len(parts) > 1 and parts[1] == 'validate':
        return []
    rules: list[str] = []
    if len(parts) >= 3:
        sub = parts[2]
        if resource == 'workflows' and sub == 'members':
            operation = _OPERATION.get(method)
            if method == 'GET' and len(parts) > 3:
                operation = 'get'
            return [f'members:{operation}'] if operation else []
        if method == 'GET':
            return [_SUB_LISTS.get(sub, f'{resource}:get')]
        return [f'{resource}:update']
    operation = _OPERATION.get(method)
    if operation is None:
        return []
    if method == 'GET' and len(parts) == 2:
        operation = 'get'
    rules.append(f'{resource}:{operation}')
    if operation == 'list' and resource in ALL_PROJECTS and \
            str(query.get('all_projects', '')).lower() in ('true', '1',
                                                           'yes'):
        rules.append(f'{resource}:list:all_projects')
    if method in ('POST', 'PUT') and resource in PUBLICIZABLE and \
            'public' in (query.get('scope'), body_scope):
        rules.append(f'{resource}:publicize')
    return rules


class PolicyMiddleware:
    """403 for a request a policy rule refuses to the caller."""

    def __init__(self, app, enforcer: policy.Enforcer) -> None:
        self.app = app
        self.enforcer = enforcer

    def __call__(self, environ, start_response):
        ctx: RequestContext | None = environ.get(CONTEXT_KEY)
        if ctx is None:  # a public path, asked without a token
            return self.app(environ, start_response)
        request = webob.Request(environ)
        rules = rules_for(request.method, request.path,
                          dict(request.GET), _body_scope(request))
        creds = {'project_id': ctx.project_id, 'user_id': ctx.user_id,
                 'roles': list(ctx.roles), 'is_admin': ctx.is_admin}
        # "Owner" of what is asked for is the caller's own project: rows
        # of other projects are out of reach through project scoping.
        target = {'project_id': ctx.project_id, 'user_id': ctx.user_id}
        for rule in rules:
            if rule not in self.enforcer.registered_rules:
                continue  # an operation the API does not have: 404/405
            if not self.enforcer.enforce(rule, target, creds):
                return error(403, f'Policy does not allow {rule} to be '
                                  'performed.')(environ, start_response)
        return self.app(environ, start_response)


def _body_scope(request: webob.Request) -> str | None:
    """`scope` of a JSON body (environments, triggers, code sources set it
    there rather than in the query)."""
    if request.method not in ('POST', 'PUT') or \
            'json' not in (request.content_type or ''):
        return None
    try:
        body = json.loads(request.body or b'{}')
    except ValueError:
        return None  # JsonErrorMiddleware answers 400
    return body.get('scope') if isinstance(body, dict) else None
