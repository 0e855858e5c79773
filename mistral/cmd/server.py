"""`mistral-server`: the composition root of every Mistral service.

    mistral-server [--server all|api,engine,executor,...] [--config-file F]

With no configuration at all it runs everything in one process on SQLite
(`./mistral.sqlite`, schema created on start) with in-process RPC and the
API on 127.0.0.1:8989.
"""
from __future__ import annotations

import ipaddress
import logging
import os
import signal
import socket
import sys
import threading

from oslo_config import cfg

from mistral import config, exceptions as exc

LOG = logging.getLogger('mistral.server')

SERVICES = ('api', 'engine', 'executor', 'event-engine', 'notifier',
            'periodic')
# Services this version can run; the others are accepted and skipped.
AVAILABLE = ('api', 'engine', 'executor', 'event-engine', 'notifier',
             'periodic')
SERVER_OPT = cfg.StrOpt(
    'server', default='all',
    help='Comma-separated services to run in this process: '
         + ', '.join(SERVICES) + ', or all.')


def parse_services(value: str) -> list[str]:
    names = [s.strip() for s in value.split(',') if s.strip()]
    if not names or 'all' in names:
        return list(AVAILABLE)
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise exc.ConfigError(f'Unknown --server value(s): '
                              f'{", ".join(unknown)}; choose from '
                              f'{", ".join(SERVICES)} or all')
    for name in names:
        if name not in AVAILABLE:
            LOG.warning('Service %s is not available in this version; '
                        'skipped', name)
    return [n for n in names if n in AVAILABLE]


def setup_logging(conf: cfg.ConfigOpts) -> None:
    handler: logging.Handler = (logging.FileHandler(conf.log_file)
                                if conf.log_file else logging.StreamHandler())
    handler.setFormatter(logging.Formatter(
        '%(asctime)s %(process)d %(levelname)s %(name)s %(message)s'))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if conf.debug else logging.INFO)
    for noisy in ('oslo_messaging', 'amqp', 'kombu', 'cheroot',
                  'sqlalchemy', 'alembic', 'stevedore'):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _is_explicit(conf: cfg.ConfigOpts, name: str,
                 group: str | None = None) -> bool:
    location = conf.get_location(name, group)
    return location is not None and \
        location.location != cfg.Locations.opt_default


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


class Process:
    """Builds the services of one process and runs them until stopped."""

    def __init__(self, conf: cfg.ConfigOpts, services: list[str]) -> None:
        self.conf = conf
        self.services = services
        # Stopped in this order: no new requests, then let running actions
        # finish and report to the engines, then the engines, then the
        # transport and the database.
        self._stoppers: dict[str, list] = {
            'api': [], 'executor': [], 'engine': [], 'shared': []}
        self._done = threading.Event()

    def build_store(self):
        from mistral.db import migrations
        from mistral.db.store import Store

        url = self.conf.database.connection
        store = Store.from_url(url, pool_size=self.conf.database.max_pool_size,
                               max_overflow=self.conf.database.max_overflow)
        if store.is_sqlite:
            # Zero-setup mode: the schema follows the code.
            migrations.upgrade(url)
        return store

    def build_transport(self):
        if _is_explicit(self.conf, 'transport_url'):
            from mistral.rpc.oslo import OsloTransport
            return OsloTransport(self.conf, self.conf.transport_url)
        if not {'api', 'engine', 'executor'} <= set(self.services):
            raise exc.ConfigError(
                'transport_url must be set when api, engine and executor do '
                'not all run in this process')
        from mistral.rpc.inprocess import InProcessTransport
        LOG.info('No transport_url: using in-process RPC')
        return InProcessTransport()

    def start(self) -> None:
        conf = self.conf
        if 'api' in self.services and not conf.pecan.auth_enable:
            if not _is_loopback(conf.api.host) and \
                    not _is_explicit(conf, 'auth_enable', 'pecan'):
                raise exc.ConfigError(
                    f'Refusing to serve the API on {conf.api.host} without '
                    'authentication; set [pecan] auth_enable = False '
                    'explicitly to allow it')
            LOG.warning('Authentication is disabled: every request acts in '
                        'the default project')
        from mistral.actions import registry
        registry.configure(registry.ProviderSettings.from_conf(conf))
        from mistral.expressions import yaql_language
        # [yaql] applies to every service here: the API parses expressions
        # when it validates definitions, the engine evaluates them.
        yaql_language.configure(
            yaql_language.YaqlSettings.from_options(conf.yaql))
        store = self.build_store()
        transport = self.build_transport()
        self._stoppers['shared'] += [transport.close, store.dispose]
        # [executor] type = local: the engine runs actions in its process.
        if 'executor' in self.services or (
                'engine' in self.services and conf.executor.type == 'local'):
            self._start_executor(transport)
        if 'notifier' in self.services:
            self._start_notifier(transport)
        if 'engine' in self.services:
            self._start_engine(store, transport)
        if 'periodic' in self.services:
            self._start_periodic(store, transport)
        if 'event-engine' in self.services:
            self._start_event_engine(store, transport)
        if 'api' in self.services:
            self._start_api(store, transport)

    def _start_engine(self, store, transport) -> None:
        from mistral.engine.engine import Engine
        from mistral.engine.heartbeats import HeartbeatSettings
        from mistral.engine.workflow_run import EngineSettings

        conf = self.conf
        engine = Engine(store, transport, EngineSettings(
            engine_topic=conf.engine.topic,
            executor_topic=conf.executor.topic,
            field_size_limit_kb=conf.engine.execution_field_size_limit_kb,
            merge_strategy=conf.engine.merge_strategy,
            inline_pure_actions=conf.engine.inline_pure_actions,
            context_versioning=conf.context_versioning.enabled,
            executor_alive_s=(conf.action_heartbeat.check_interval *
                              conf.action_heartbeat.max_missed_heartbeats),
        ), outbox_resend_after=conf.engine.outbox_resend_after,
            heartbeat_settings=HeartbeatSettings(
                interval=conf.action_heartbeat.check_interval,
                max_missed=conf.action_heartbeat.max_missed_heartbeats,
                first_timeout=conf.action_heartbeat.first_heartbeat_timeout),
            notifications=self._engine_notifications())
        server = transport.serve(conf.engine.topic, conf.engine.host, engine,
                                 conf.engine.rpc_workers)
        engine.start_background()
        self._stoppers['engine'] += [server.stop, engine.stop_background]
        LOG.info('Engine listening on topic %s', conf.engine.topic)

    def _new_notifier(self):
        from mistral.actions.std_http import HttpSettings
        from mistral.notifiers.notifier import Notifier

        # Webhooks obey the egress policy of std.http.
        return Notifier(workers=self.conf.notifier.workers,
                        egress=HttpSettings.from_conf(self.conf))

    def _engine_notifications(self):
        from mistral.notifiers.engine_hook import EngineNotifications

        conf = self.conf.notifier
        if conf.type == 'remote' and 'notifier' not in self.services and \
                not _is_explicit(self.conf, 'transport_url'):
            LOG.warning('[notifier] type = remote but no notifier service '
                        'runs in this process and there is no broker: '
                        'notifications cannot be delivered')
        try:
            return EngineNotifications(
                mode=conf.type, topic=conf.topic,
                global_publishers=conf.notify,
                notifier=self._new_notifier() if conf.type == 'local'
                else None)
        except exc.InputError as e:
            raise exc.ConfigError(f'[notifier] notify: {e}') from None

    def _start_notifier(self, transport) -> None:
        from mistral.notifiers.notifier import NotifierService

        conf = self.conf.notifier
        notifier = self._new_notifier().start()
        server = transport.serve(conf.topic, conf.host,
                                 NotifierService(notifier), 1)
        # After the engines: they send events until they stop.
        self._stoppers['shared'][:0] = [server.stop, notifier.stop]
        LOG.info('Notifier listening on topic %s', conf.topic)

    def _start_periodic(self, store, transport) -> None:
        from mistral.periodic.cron import CronRunner
        from mistral.rpc.clients import EngineClient

        conf = self.conf
        self._start_expiration(store)
        if not conf.cron_trigger.enabled:
            LOG.info('Cron triggers are disabled ([cron_trigger] enabled)')
            return
        runner = CronRunner(
            store, EngineClient(transport, conf.engine.topic,
                                timeout=conf.rpc_response_timeout),
            interval=conf.cron_trigger.execution_interval)
        runner.start()
        # Stopped with the engines: no new executions once they are gone.
        self._stoppers['engine'].insert(0, runner.stop)
        LOG.info('Cron triggers checked every %ss',
                 conf.cron_trigger.execution_interval)

    def _start_expiration(self, store) -> None:
        from mistral.periodic.expiration import (ExpirationPolicy,
                                                 ExpirationRunner)

        opts = self.conf.execution_expiration_policy
        policy = ExpirationPolicy(
            evaluation_interval=opts.evaluation_interval,
            older_than=opts.older_than,
            max_finished_executions=opts.max_finished_executions,
            batch_size=opts.batch_size,
            ignored_states=tuple(opts.ignored_states))
        if not policy.enabled:
            LOG.debug('Execution expiration policy disabled')
            return
        runner = ExpirationRunner(store, policy)
        runner.start()
        self._stoppers['engine'].insert(0, runner.stop)
        LOG.info('Execution expiration policy runs every %s minute(s)',
                 policy.evaluation_interval)

    def _start_event_engine(self, store, transport) -> None:
        import oslo_messaging as messaging

        from mistral.event_engine.definitions import Converter
        from mistral.event_engine.engine import EventEngine
        from mistral.rpc.clients import EngineClient

        conf = self.conf
        if not (_is_explicit(conf, 'transport_url') or _is_explicit(
                conf, 'transport_url', 'oslo_messaging_notifications')):
            # Only worth a warning when asked for by name, not by "all".
            asked = 'event-engine' in conf.server.split(',')
            (LOG.warning if asked else LOG.info)(
                'Event engine not started: it needs a message broker '
                '([DEFAULT] transport_url or [oslo_messaging_notifications] '
                'transport_url)')
            return
        converter = Converter.from_file(
            conf.event_engine.event_definitions_cfg_file)
        notifications = messaging.get_notification_transport(conf)
        engine = EventEngine(
            store, EngineClient(transport, conf.engine.topic,
                                timeout=conf.rpc_response_timeout),
            notifications, converter,
            pool_name=conf.event_engine.listener_pool_name,
            reload_interval=conf.event_engine.reload_interval)
        engine.start()
        server = transport.serve(conf.event_engine.topic,
                                 conf.event_engine.host,
                                 engine.control_endpoint, 1)
        self._event_engine = engine
        # Stopped with the engines: no new executions once they are gone.
        self._stoppers['engine'][:0] = [server.stop, engine.stop]
        self._stoppers['shared'].insert(0, notifications.cleanup)
        LOG.info('Event engine listening on topic %s',
                 conf.event_engine.topic)

    def _event_engine_client(self, transport):
        """How the API announces event trigger changes: a fanout cast
        over the broker, or a direct call to this process's event engine
        without one."""
        from mistral.event_engine import client

        if _is_explicit(self.conf, 'transport_url'):
            fanout = client.EventEngineClient(self.conf,
                                              self.conf.event_engine.topic)
            self._stoppers['shared'].insert(0, fanout.close)
            return fanout
        local = getattr(self, '_event_engine', None)
        return client.LocalEventEngineClient(local) if local else None

    def _start_executor(self, transport) -> None:
        from mistral.actions import std_http
        from mistral.executor.executor import Executor

        conf = self.conf
        std_http.configure(std_http.HttpSettings.from_conf(conf))
        interval = conf.action_heartbeat.check_interval
        executor = Executor(transport, conf.engine.topic,
                            heartbeat_interval=interval,
                            host=conf.executor.host,
                            action_runner=conf.executor.action_runner)
        if interval > 0:
            executor.start_heartbeats()
        server = transport.serve(conf.executor.topic, conf.executor.host,
                                 executor, conf.executor.workers)
        self._stoppers['executor'] += [server.stop, executor.stop]
        LOG.info('Executor %s listening on topic %s', conf.executor.host,
                 conf.executor.topic)

    def _start_api(self, store, transport) -> None:
        from cheroot import wsgi

        from mistral.api.app import build_app
        from mistral.api.services import ApiServices
        from mistral.rpc.clients import EngineClient

        conf = self.conf
        services = ApiServices(
            store=store,
            engine=EngineClient(transport, conf.engine.topic,
                                timeout=conf.rpc_response_timeout),
            max_limit=conf.api.max_limit,
            event_engine=self._event_engine_client(transport),
            allow_action_execution_deletion=(
                conf.api.allow_action_execution_deletion))
        app = build_app(services, debug=conf.pecan.debug, conf=conf)
        server = wsgi.Server((conf.api.host, conf.api.port), app,
                             numthreads=conf.api.threads,
                             server_name='mistral-api')
        server.prepare()
        thread = threading.Thread(target=server.serve, name='api',
                                  daemon=True)
        thread.start()
        self._stoppers['api'].append(server.stop)
        LOG.info('API listening on http://%s:%s', conf.api.host,
                 server.bind_addr[1])

    def wait_stopped(self, timeout: float) -> bool:
        return self._done.wait(timeout)

    def stop(self) -> None:
        for stop in [f for group in self._stoppers.values() for f in group]:
            try:
                stop()
            except Exception as e:
                LOG.warning('Error while stopping: %s', e)
        self._done.set()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        conf = config.build_config(argv, extra_cli_opts=[SERVER_OPT])
        setup_logging(conf)
        services = parse_services(conf.server)
        process = Process(conf, services)
        process.start()
    except (exc.ConfigError, cfg.Error) as e:
        print(f'mistral-server: {e}', file=sys.stderr)
        return 2
    LOG.info('Mistral running: %s', ', '.join(services))

    stopping = threading.Event()

    def on_signal(signum, _frame):
        LOG.info('Signal %s received, stopping', signum)
        stopping.set()
        threading.Thread(target=process.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stopping.wait(3600):
        pass
    if not process.wait_stopped(conf.graceful_shutdown_timeout):
        LOG.warning('Work still in flight after %ss; exiting anyway',
                    conf.graceful_shutdown_timeout)
    logging.shutdown()
    # Worker threads of actions still running must not hold the process.
    os._exit(0)


if __name__ == '__main__':
    sys.exit(main())
