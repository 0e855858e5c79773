"""Keystone authentication of the REST API (`[pecan] auth_enable = True`).

keystonemiddleware's `auth_token` validates the X-Auth-Token of every
request (with `delay_auth_decision`, so it only marks the request);
`IdentityMiddleware` then refuses unauthenticated requests outside the
public paths and turns the identity headers into the `RequestContext` the
controllers hand to the services.
"""
from __future__ import annotations

import base64
import binascii
import json

import webob
from oslo_config import cfg

from mistral.api.errors import fault, header_text
from mistral.context import RequestContext, TargetCloud

# The WSGI environ key under which the caller's context travels to pecan.
CONTEXT_KEY = 'mistral.context'

# Paths anyone may read: version discovery, the API document, /info.
PUBLIC_PATHS = frozenset({'/', '/v2', '/info', '/v2/openapi.json',
                          '/workflowv2', '/workflowv2/v2'})

AUTH_TYPES = ('keystone',)


def wrap(app, conf: cfg.ConfigOpts):
    """`app` behind Keystone authentication as `conf` configures it."""
    if conf.auth_type != 'keystone':
        raise ValueError(f'Unknown auth_type {conf.auth_type!r}')
    from keystonemiddleware import auth_token

    # auth_token registers and reads [keystone_authtoken] on `conf`.
    return auth_token.AuthProtocol(IdentityMiddleware(app, conf), {
        'oslo_config_config': conf, 'delay_auth_decision': True})


class IdentityMiddleware:
    """401 for requests without a valid token (public paths excepted);
    the caller's context for the others."""

    def __init__(self, app, conf: cfg.ConfigOpts | None = None) -> None:
        self.app = app
        self.conf = conf

    def _auth_uri(self) -> str | None:
        # auth_token registers [keystone_authtoken] after this is built.
        try:
            return self.conf.keystone_authtoken.www_authenticate_uri
        except (AttributeError, cfg.Error):
            return None

    def __call__(self, environ, start_response):
        request = webob.Request(environ)
        path = request.path.rstrip('/') or '/'
        confirmed = environ.get('HTTP_X_IDENTITY_STATUS') == 'Confirmed'
        if not confirmed:
            if path in PUBLIC_PATHS:
                return self.app(environ, start_response)
            reason = ('the token is invalid or expired'
                      if environ.get('HTTP_X_AUTH_TOKEN')
                      else 'no X-Auth-Token header was sent')
            return unauthorized(f'Failed to validate access token: '
                                f'{reason}')(environ, start_response)
        try:
            environ[CONTEXT_KEY] = context_from_headers(
                request.headers, self._auth_uri())
        except CredentialsError as e:
            return unauthorized(str(e))(environ, start_response)
        except ValueError as e:
            return error(400, str(e))(environ, start_response)
        return self.app(environ, start_response)


class CredentialsError(Exception):
    """Headers that name a target cloud without a way to log in to it."""


def context_from_headers(headers,
                         auth_uri: str | None = None) -> RequestContext:
    """The caller as keystonemiddleware describes it in the request
    headers (it drops any identity header the client sent itself)."""
    roles = tuple(r.strip() for r in headers.get('X-Roles', '').split(',')
                  if r.strip())
    catalog = headers.get('X-Service-Catalog')
    return RequestContext(
        project_id=headers['X-Project-Id'],
        user_id=headers.get('X-User-Id'),
        roles=roles,
        auth_token=headers.get('X-Auth-Token'),
        user_name=headers.get('X-User-Name'),
        project_name=headers.get('X-Project-Name'),
        region_name=headers.get('X-Region-Name'),
        service_catalog=json.loads(catalog) if catalog else None,
        target=target_from_headers(headers),
        auth_uri=auth_uri)


def target_from_headers(headers) -> TargetCloud | None:
    uri = headers.get('X-Target-Auth-Uri')
    if not uri:
        return None
    token = headers.get('X-Target-Auth-Token')
    if not token:
        raise CredentialsError(
            'Target auth URI (X-Target-Auth-Uri) and target auth token '
            '(X-Target-Auth-Token) must be present together')
    catalog = headers.get('X-Target-Service-Catalog')
    if catalog:
        try:
            catalog = json.loads(base64.b64decode(catalog))
        except (binascii.Error, ValueError) as e:
            raise ValueError('X-Target-Service-Catalog must be base64 '
                             f'encoded JSON: {e}') from None
    return TargetCloud(
        auth_uri=uri, auth_token=token,
        project_id=headers.get('X-Target-Project-Id'),
        user_id=headers.get('X-Target-User-Id'),
        user_name=headers.get('X-Target-User-Name'),
        region_name=headers.get('X-Target-Region-Name'),
        insecure=headers.get('X-Target-Insecure', 'False').lower() == 'true',
        service_catalog=catalog or None)


def unauthorized(message: str) -> webob.Response:
    # auth_token adds WWW-Authenticate (the Keystone URI) to every 401.
    return error(401, message)


def error(status: int, message: str) -> webob.Response:
    response = webob.Response(
        body=json.dumps(fault(message)).encode(), status=status,
        content_type='application/json', charset='utf-8')
    response.headers['Server-Error-Message'] = header_text(message)
    return response
