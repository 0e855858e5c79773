"""Notification publishers: where events go.

A publisher is a class registered under the `mistral.notification.publishers`
entry point with a method

    publish(ctx, ex_id, data, event, timestamp, **params)

(the signature OpenStack Mistral's publishers have), where `params` are the
keys of the execution's `params.notify` entry other than `type` and
`event_types`. It raises to report a failed delivery; the notifier logs it.
"""
from __future__ import annotations

import inspect
import json
import logging
import threading
from importlib import metadata
from typing import Any

import requests

from mistral import exceptions as exc
from mistral.actions.std_http import HttpSettings
from mistral.notifiers import events

LOG = logging.getLogger(__name__)

ENTRY_POINT_GROUP = 'mistral.notification.publishers'
# (connect, read) seconds: a slow receiver must not hold the notifier.
WEBHOOK_TIMEOUT = (3, 10)
EVENT_HEADER = 'X-Mistral-Event'


class NotificationPublisher:
    """Base class of publishers (subclassing it is optional)."""

    def publish(self, ctx: Any, ex_id: str, data: dict, event: str,
                timestamp: str | None, **params: Any) -> None:
        raise NotImplementedError


class NoopPublisher(NotificationPublisher):
    """Accepts every event and does nothing (for tests and dry runs)."""

    def publish(self, ctx, ex_id, data, event, timestamp, **params) -> None:
        LOG.debug('noop publisher: %s for %s', event, ex_id)


class WebhookPublisher(NotificationPublisher):
    """POSTs the event payload as JSON to `url` with optional `headers`.

    The URL must pass the egress policy of std.http ([action_std_http]);
    redirects are not followed; answers other than 200 and 201 are
    failures.
    """

    def __init__(self, egress: HttpSettings | None = None) -> None:
        self.egress = egress or HttpSettings()
        self._local = threading.local()  # one HTTP session per thread

    def _session(self) -> requests.Session:
        session = getattr(self._local, 'session', None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def publish(self, ctx, ex_id, data, event, timestamp, **params) -> None:
        url = params.get('url')
        if not isinstance(url, str) or not url:
            raise exc.InputError('webhook publisher needs a "url"')
        self.egress.check_url(url)
        headers = {'Content-Type': 'application/json', EVENT_HEADER: event}
        headers.update(params.get('headers') or {})
        resp = self._session().post(url, data=json.dumps(data),
                                    headers=headers,
                                    timeout=WEBHOOK_TIMEOUT,
                                    allow_redirects=False)
        LOG.info('Webhook %s for %s: %s answered %s', event, ex_id, url,
                 resp.status_code)
        if resp.status_code not in (200, 201):
            raise exc.MistralError(
                f'Webhook {url} answered {resp.status_code}: '
                f'{resp.text[:200]}')


def available() -> set[str]:
    """Names of the registered publishers."""
    return {ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def load(name: str, egress: HttpSettings | None = None
         ) -> NotificationPublisher:
    """An instance of the publisher registered as `name`."""
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            cls = ep.load()
            if 'egress' in inspect.signature(cls).parameters:
                return cls(egress=egress)
            return cls()
    raise exc.InputError(f'Unknown notification publisher type: {name}')


def validate(publishers: Any, known: set[str] | None = None) -> list[dict]:
    """Check `params.notify` (or `[notifier] notify`) and return it.

    Each entry is an object with a `type`, optional `event_types` (known
    event names) and the publisher's own keys; webhooks need a `url`.
    """
    if publishers is None:
        return []
    if not isinstance(publishers, list):
        raise exc.InputError('params.notify must be a list of publishers')
    known = available() if known is None else known
    for i, entry in enumerate(publishers):
        where = f'params.notify[{i}]'
        if not isinstance(entry, dict):
            raise exc.InputError(f'{where} must be an object')
        kind = entry.get('type')
        if not isinstance(kind, str) or not kind:
            raise exc.InputError(f'{where}.type is required')
        if kind not in known:
            raise exc.InputError(
                f'{where}.type: unknown notification publisher type '
                f'{kind!r}; available: {", ".join(sorted(known))}')
        wanted = entry.get('event_types')
        if wanted is not None:
            if not isinstance(wanted, list) or not all(
                    isinstance(e, str) for e in wanted):
                raise exc.InputError(
                    f'{where}.event_types must be a list of event names')
            unknown = [e for e in wanted if e not in events.ALL_EVENTS]
            if unknown:
                raise exc.InputError(
                    f'{where}.event_types: unknown event type(s) '
                    f'{", ".join(unknown)}; known: '
                    f'{", ".join(events.ALL_EVENTS)}')
        if kind == 'webhook':
            if not isinstance(entry.get('url'), str) or not entry['url']:
                raise exc.InputError(f'{where}.url is required for a '
                                     'webhook')
            headers = entry.get('headers')
            if headers is not None and not (
                    isinstance(headers, dict) and
                    all(isinstance(v, str) for v in headers.values())):
                raise exc.InputError(f'{where}.headers must be an object '
                                     'of strings')
    return publishers
