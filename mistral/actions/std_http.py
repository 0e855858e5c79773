"""std.http and std.mistral_http: HTTP requests with an egress policy.

The policy ([action_std_http] in the configuration) decides which URLs an
action may reach: schemes, denied address ranges, an optional host
allow-list, a default timeout and a cap on the response size. The
composition root hands it over once with `configure()`; until then the
defaults apply.
"""
from __future__ import annotations

import fnmatch
import ipaddress
import json as jsonlib
import logging
import os
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib import parse

import requests
from mistral_lib import actions

from mistral import exceptions as exc

LOG = logging.getLogger(__name__)

CHUNK = 64 * 1024
WILDCARD_HOSTS = ('0.0.0.0', '::', '')


@dataclass(frozen=True)
class HttpSettings:
    """The egress policy of the HTTP actions (see [action_std_http])."""
    allowed_schemes: tuple[str, ...] = ('http', 'https')
    denied_cidrs: tuple[str, ...] = ('169.254.0.0/16', 'fe80::/10')
    allowed_hosts: tuple[str, ...] = ()
    default_timeout: float = 60
    max_response_size_bytes: int = 5 * 1024 * 1024
    callback_base_url: str = 'http://127.0.0.1:8989'
    _networks: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        nets = []
        for cidr in self.denied_cidrs:
            try:
                nets.append(ipaddress.ip_network(cidr.strip(), strict=False))
            except ValueError as e:
                raise exc.ConfigError(
                    f'[action_std_http] denied_cidrs: {cidr!r} is not an '
                    f'address or CIDR ({e})') from None
        object.__setattr__(self, '_networks', tuple(nets))

    @classmethod
    def from_conf(cls, conf: Any) -> 'HttpSettings':
        group = conf.action_std_http
        base = group.callback_base_url or _api_base_url(conf.api.host,
                                                        conf.api.port)
        return cls(allowed_schemes=tuple(s.lower()
                                         for s in group.allowed_schemes),
                   denied_cidrs=tuple(group.denied_cidrs),
                   allowed_hosts=tuple(group.allowed_hosts),
                   default_timeout=group.default_timeout,
                   max_response_size_bytes=group.max_response_size_bytes,
                   callback_base_url=base.rstrip('/'))

    def check_url(self, url: str) -> None:
        """Raise ActionError unless the policy lets a request go to url."""
        try:
            parts = parse.urlsplit(url)
            host = parts.hostname
            port = parts.port
        except ValueError as e:
            raise exc.ActionError(f'Invalid URL {url!r}: {e}') from None
        if parts.scheme.lower() not in self.allowed_schemes:
            raise exc.ActionError(
                f"URL scheme '{parts.scheme}' is not allowed for HTTP "
                f"actions (allowed: {', '.join(self.allowed_schemes)}): "
                f'{url}')
        if not host:
            raise exc.ActionError(f'URL has no host: {url}')
        if self.allowed_hosts and not any(
                fnmatch.fnmatch(host.lower(), pattern.lower())
                for pattern in self.allowed_hosts):
            raise exc.ActionError(
                f"Host '{host}' is not in [action_std_http] allowed_hosts")
        if not self._networks:
            return
        for address in _addresses(host, port, parts.scheme):
            for net in self._networks:
                if address.version == net.version and address in net:
                    raise exc.ActionError(
                        f"Host '{host}' ({address}) is in a network HTTP "
                        f'actions may not reach ({net}); see '
                        f'[action_std_http] denied_cidrs')


def _addresses(host: str, port: int | None,
               scheme: str) -> list[ipaddress._BaseAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port or (443 if scheme == 'https'
                                                  else 80),
                                   proto=socket.IPPROTO_TCP)
    except socket.gaierror as e:
        raise exc.ActionError(
            f"Failed to send HTTP request: cannot resolve '{host}': "
            f'{e}') from None
    # Scope ids (fe80::1%eth0) are not part of the address proper.
    return [ipaddress.ip_address(info[4][0].split('%')[0]) for info in infos]


def _api_base_url(host: str, port: int) -> str:
    if host in WILDCARD_HOSTS:
        host = socket.getfqdn()
    if ':' in host:
        host = f'[{host}]'
    return f'http://{host}:{port}'


# Set by the composition root. The settings also travel in the
# environment, so that actions run in child processes ([executor]
# action_runner = process) apply the same policy.
ENV_VAR = 'MISTRAL_ACTION_STD_HTTP'
_settings: HttpSettings | None = None


def configure(settings: HttpSettings) -> None:
    """Install the policy read from the configuration (composition root)."""
    global _settings
    _settings = settings
    os.environ[ENV_VAR] = jsonlib.dumps({
        'allowed_schemes': settings.allowed_schemes,
        'denied_cidrs': settings.denied_cidrs,
        'allowed_hosts': settings.allowed_hosts,
        'default_timeout': settings.default_timeout,
        'max_response_size_bytes': settings.max_response_size_bytes,
        'callback_base_url': settings.callback_base_url,
    })


def current_settings() -> HttpSettings:
    if _settings is not None:
        return _settings
    carried = os.environ.get(ENV_VAR)
    if carried:
        values = jsonlib.loads(carried)
        return HttpSettings(**{k: tuple(v) if isinstance(v, list) else v
                               for k, v in values.items()})
    return HttpSettings()


class _PolicySession(requests.Session):
    """A session that checks every redirect target against the policy
    before following it."""

    def __init__(self, settings: HttpSettings) -> None:
        super().__init__()
        self._policy = settings

    def get_redirect_target(self, resp):  # type: ignore[override]
        target = super().get_redirect_target(resp)
        if target:
            location = target.decode('latin1') if isinstance(
                target, bytes) else target
            self._policy.check_url(parse.urljoin(resp.url, location))
        return target


class HTTPAction(actions.Action):
    """Sends an HTTP request and returns the response as a dict."""

    def __init__(self, url: str, method: str = 'GET', params: Any = None,
                 body: Any = None, json: Any = None, headers: Any = None,
                 cookies: Any = None, auth: Any = None, timeout: Any = None,
                 allow_redirects: Any = None, proxies: Any = None,
                 verify: Any = None) -> None:
        if body and json:
            raise exc.ActionError(
                "Only one of the parameters 'json' and 'body' can be passed")
        # "user:password" is the usual form in a workflow; a list works too.
        if isinstance(auth, str) and auth.count(':') == 1:
            auth = tuple(auth.split(':'))
        elif isinstance(auth, list):
            auth = tuple(auth)
        if isinstance(headers, dict):
            headers = {k: str(v) if isinstance(v, (int, float)) and
                       not isinstance(v, bool) else v
                       for k, v in headers.items()}
        self.url = url
        self.method = method
        self.params = params
        self.body = jsonlib.dumps(body) if isinstance(body, dict) else body
        self.json = json
        self.headers = headers
        self.cookies = cookies
        self.auth = auth
        self.timeout = timeout
        self.allow_redirects = allow_redirects
        self.proxies = proxies
        self.verify = verify

    def run(self, context: Any) -> Any:
        settings = current_settings()
        settings.check_url(self.url)
        timeout = self.timeout
        if timeout is None and settings.default_timeout:
            timeout = settings.default_timeout
        # Like upstream, `verify` only matters for https.
        verify = self.verify if parse.urlsplit(self.url).scheme == 'https' \
            and self.verify is not None else True
        request_kwargs: dict[str, Any] = dict(
            params=self.params, data=self.body, json=self.json,
            headers=self.headers, cookies=self.cookies, auth=self.auth,
            timeout=timeout, proxies=self.proxies, verify=verify,
            stream=True,
            # As upstream: redirects are followed only when asked for.
            allow_redirects=bool(self.allow_redirects))
        with _PolicySession(settings) as session:
            try:
                resp = session.request(self.method, self.url,
                                       **request_kwargs)
            except exc.ActionError:
                raise
            except Exception as e:
                raise exc.ActionError(
                    f'Failed to send HTTP request: {e}') from None
            try:
                raw = _read_body(resp, settings.max_response_size_bytes)
            finally:
                resp.close()
        result = _as_result(resp, raw)
        if not 200 <= resp.status_code < 307:
            return actions.Result(error=result)
        return result

    def test(self, context: Any) -> None:
        return None


def _read_body(resp: requests.Response, limit: int) -> bytes:
    declared = resp.headers.get('Content-Length')
    if limit and declared and declared.isdigit() and int(declared) > limit:
        raise exc.ActionError(
            f'HTTP response is too large (Content-Length={declared}, '
            f'limit={limit} bytes)')
    data = bytearray()
    try:
        for chunk in resp.iter_content(CHUNK):
            data.extend(chunk)
            # Bodies without a Content-Length are capped while reading.
            if limit and len(data) > limit:
                raise exc.ActionError(
                    f'HTTP response is too large (more than {limit} '
                    f'bytes)')
    except requests.RequestException as e:
        raise exc.ActionError(f'Failed to send HTTP request: {e}') from None
    return bytes(data)


def _as_result(resp: requests.Response, raw: bytes) -> dict:
    # The body is already read; hand it to requests so that json() and the
    # encoding guess work as usual.
    resp._content = raw
    resp._content_consumed = True
    try:
        content: Any = resp.json()
    except ValueError:
        content = raw.decode(resp.encoding or 'utf-8', errors='replace')
    return {
        'content': content,
        'status': resp.status_code,
        'headers': dict(resp.headers.items()),
        'url': resp.url,
        'history': [{'status': r.status_code, 'url': r.url,
                     'headers': dict(r.headers.items())}
                    for r in resp.history],
        'encoding': resp.encoding,
        'reason': resp.reason,
        'cookies': dict(resp.cookies.items()),
        'elapsed': resp.elapsed.total_seconds(),
    }


class MistralHTTPAction(HTTPAction):
    """Sends an HTTP request and waits for the peer to call back.

    The Mistral-* headers carry the execution ids and the callback URL; the
    action stays RUNNING until PUT /v2/action_executions/<id> completes it.
    """

    def run(self, context: Any) -> Any:
        execution = context.execution
        action_ex_id = execution.action_execution_id
        base = current_settings().callback_base_url
        callback = getattr(execution, 'callback_url', None) or \
            f'/v2/action_executions/{action_ex_id}'
        if callback.startswith('/'):
            callback = base + callback
        headers = dict(self.headers or {})
        headers.update({
            'Mistral-Workflow-Name': execution.workflow_name or '',
            'Mistral-Workflow-Execution-Id':
                execution.workflow_execution_id or '',
            'Mistral-Task-Id': execution.task_execution_id or '',
            'Mistral-Action-Execution-Id': action_ex_id or '',
            'Mistral-Callback-URL': callback,
        })
        self.headers = headers
        return super().run(context)

    def is_sync(self) -> bool:
        return False

    def test(self, context: Any) -> None:
        return None
