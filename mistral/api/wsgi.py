"""WSGI entry point for running the API under gunicorn, uWSGI or mod_wsgi.

    gunicorn 'mistral.api.wsgi:init_application()'

or point the server at `mistral.api.wsgi:application`. Configuration is
read from `MISTRAL_CONFIG_FILE` / `MISTRAL_CONFIG_DIR` (or
/etc/mistral/mistral.conf when neither is set). The API talks to the
engines over `[DEFAULT] transport_url`, so it must be set.
"""
from __future__ import annotations

import os

from mistral import config
from mistral.api.app import build_app
from mistral.api.services import ApiServices
from mistral.cmd import server
from mistral.rpc.clients import EngineClient

_DEFAULT_FILE = '/etc/mistral/mistral.conf'


def init_application():
    files = None
    if not os.environ.get('MISTRAL_CONFIG_FILE') and \
            not os.environ.get('MISTRAL_CONFIG_DIR') and \
            os.path.exists(_DEFAULT_FILE):
        files = [_DEFAULT_FILE]
    conf = config.build_config([], default_config_files=files)
    server.setup_logging(conf)
    from mistral.actions import registry
    registry.configure(registry.ProviderSettings.from_conf(conf))
    process = server.Process(conf, ['api'])
    store = process.build_store()
    transport = process.build_transport()
    return build_app(ApiServices(
        store=store,
        engine=EngineClient(transport, conf.engine.topic,
                            timeout=conf.rpc_response_timeout),
        max_limit=conf.api.max_limit,
        allow_action_execution_deletion=(
            conf.api.allow_action_execution_deletion)), debug=conf.pecan.debug, conf=conf)


class _LazyApplication:
    """`application` for WSGI servers that import a module attribute; the
    app is built on the first request, after the server has forked."""

    def __init__(self) -> None:
        self._app = None

    def __call__(self, environ, start_response):
        if self._app is None:
            self._app = init_application()
        return self._app(environ, start_response)


application = _LazyApplication()
