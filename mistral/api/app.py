"""The WSGI application of REST API v2."""
from __future__ import annotations

import json
import time

import pecan
import webob
from oslo_config import cfg
from pecan import hooks

from mistral.api import auth, policy
from mistral.api.controllers.root import RootController
from mistral.api.errors import JsonErrorMiddleware, fault
from mistral.api.services import ApiServices
from mistral.context import RequestContext
from mistral.db.models import DEFAULT_PROJECT_ID
from mistral.db.store import Store
from mistral.services import maintenance


class ContextHook(hooks.PecanHook):
    """Builds the caller's context. Without Keystone every request acts in
    the default project (upstream's behaviour with auth disabled)."""

    def before(self, state) -> None:
        # With Keystone on, mistral.api.auth has put the caller there.
        state.request.mistral_context = state.request.environ.get(
            auth.CONTEXT_KEY) or RequestContext(project_id=DEFAULT_PROJECT_ID)


class MaintenanceMiddleware:
    """While the maintenance status is not RUNNING, refuse every change
    with 423, except changing the status back, completing action
    executions and cancelling workflow executions."""

    READ_ONLY = frozenset({'GET', 'HEAD', 'OPTIONS'})
    ALWAYS_ALLOWED = frozenset({'/', '/v2', '/health', '/healthcheck'})

    # Seconds a read status is trusted. Another API process that changes
    # it is obeyed here this much later at most; a change made through
    # this process is seen at once.
    STATUS_TTL_S = 1.0

    def __init__(self, app, store: Store) -> None:
        self.app = app
        self.store = store
        self._status: tuple[float, str] | None = None

    def __call__(self, environ, start_response):
        request = webob.Request(environ)
        path = request.path.rstrip('/') or '/'
        if request.method in self.READ_ONLY or path in self.ALWAYS_ALLOWED:
            return self.app(environ, start_response)
        if self._allowed_in_maintenance(request, path):
            try:
                return self.app(environ, start_response)
            finally:
                if path in ('/maintenance', '/v2/maintenance'):
                    self._status = None  # changed here: read it again
        status = self._current_status()
        if status == maintenance.RUNNING:
            return self.app(environ, start_response)
        message = (f'Current Mistral state is {status}. Method is not '
                   'allowed')
        response = webob.Response(
            body=json.dumps(fault(message)).encode(), status=423,
            content_type='application/json', charset='utf-8')
        response.headers['Server-Error-Message'] = message
        return response(environ, start_response)

    def _current_status(self) -> str:
        cached = self._status
        if cached is not None and \
                time.monotonic() - cached[0] < self.STATUS_TTL_S:
            return cached[1]
        with self.store.read() as session:
            status = maintenance.get_status(session)
        self._status = (time.monotonic(), status)
        return status

    @staticmethod
    def _allowed_in_maintenance(request: webob.Request, path: str) -> bool:
        if request.method != 'PUT':
            return False
        if path in ('/maintenance', '/v2/maintenance') or \
                path.startswith('/v2/action_executions/'):
            return True
        if path.startswith('/v2/executions/'):
            try:
                body = json.loads(request.body or b'{}')
            except ValueError:
                return False
            return isinstance(body, dict) and body.get('state') == 'CANCELLED'
        return False


class HealthcheckMiddleware:
    """GET /healthcheck -> 200 "OK" when `[healthcheck] enabled`."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO', '').rstrip('/') == '/healthcheck' and \
                environ.get('REQUEST_METHOD') in ('GET', 'HEAD'):
            response = webob.Response(body=b'OK', status=200,
                                      content_type='text/plain',
                                      charset='utf-8')
            return response(environ, start_response)
        return self.app(environ, start_response)


def build_app(services: ApiServices, debug: bool = False,
              conf: cfg.ConfigOpts | None = None):
    """The API application. `conf` enables the optional endpoints
    (/info, /healthcheck) and Keystone authentication with RBAC
    (`[pecan] auth_enable`); without it all are off."""
    info_file = None
    if conf is not None and conf.api.enable_info_endpoint:
        info_file = conf.api.info_json_file_path
    app = pecan.make_app(
        RootController(services, info_file=info_file),
        hooks=[ContextHook()],
        debug=debug,
        force_canonical=False,
        guess_content_type_from_ext=False,
    )
    app = MaintenanceMiddleware(app, services.store)
    auth_enable = conf is not None and conf.pecan.auth_enable
    if auth_enable:
        app = policy.PolicyMiddleware(app, policy.build_enforcer(conf))
    app = JsonErrorMiddleware(app)
    if auth_enable:
        app = auth.wrap(app, conf)
    if conf is not None and conf.healthcheck.enabled:
        app = HealthcheckMiddleware(app)
    return app
