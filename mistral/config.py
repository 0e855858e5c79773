"""Every configuration option Mistral reads, registered in one place.

Names, groups and defaults follow OpenStack Mistral so existing
`mistral.conf` files keep working. `build_config()` is called by the
composition roots in `mistral.cmd`; nothing else creates a ConfigOpts.
"""
from __future__ import annotations

import importlib
import os
import warnings

from oslo_config import cfg
from oslo_db import options as db_options

# oslo.messaging imports oslo.service, which imports eventlet only to warn
# that it is deprecated; Mistral never uses eventlet, so the warning is noise.
warnings.filterwarnings('ignore',
                        message=r'(?s).*[Ee]ventlet is deprecated')
from oslo_messaging import opts as messaging_opts  # noqa: E402

DEFAULT_DB_CONNECTION = 'sqlite:///mistral.sqlite'

DEFAULT_OPTS = [
    cfg.BoolOpt('debug', default=False, help='Log at DEBUG level.'),
    cfg.StrOpt('log_file', help='Write the log to this file instead of '
                                'standard error.'),
    cfg.IntOpt('graceful_shutdown_timeout', default=60, min=0,
               help='Seconds a stopping server waits for work in flight '
                    '(running actions, open requests) before it exits.'),
]

API_OPTS = [
    cfg.HostAddressOpt(
        'host', default='127.0.0.1',
        help='Address the API server binds to. The default keeps a '
             'zero-setup server private to this machine.'),
    cfg.PortOpt('port', default=8989, help='Port of the API server.'),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='Upper bound of the "limit" query parameter on lists.'),
    cfg.IntOpt('threads', default=16, min=1,
               help='Worker threads of the built-in API server.'),
    cfg.BoolOpt('enable_info_endpoint', default=False,
                help='Serve GET /info with the contents of '
                     'info_json_file_path (for example build or deployment '
                     'details); when off, GET /info answers 400.'),
    cfg.StrOpt('info_json_file_path', default='info.json',
               help='JSON file whose contents GET /info returns when '
                    'enable_info_endpoint is on.'),
]

HEALTHCHECK_OPTS = [
    cfg.BoolOpt('enabled', default=False,
                help='Answer GET /healthcheck with 200 "OK" (text/plain) '
                     'for load balancers and monitoring.'),
]

PECAN_OPTS = [
    cfg.BoolOpt('debug', default=False, help='Pecan debug mode.'),
    cfg.BoolOpt('auth_enable', default=False,
                help='Require Keystone authentication (not available in this '
                     'version: True refuses to start). With it off, binding '
                     'the API to a non-loopback address requires setting '
                     'it to False explicitly.'),
]

ENGINE_OPTS = [
    cfg.StrOpt('host', default='0.0.0.0', help='Name of the engine node.'),
    cfg.StrOpt('topic', default='mistral_engine',
               help='RPC topic the engines listen on.'),
    cfg.IntOpt('execution_field_size_limit_kb', default=1024,
               help='Largest size in KB of an input, output, params or '
                    'published field of an execution; -1 for no limit.'),
    cfg.StrOpt('merge_strategy', default='replace',
               choices=['replace', 'merge'],
               help='How published values combine with the context: '
                    '"replace" shadows, "merge" merges dictionaries deeply.'),
    cfg.BoolOpt('inline_pure_actions', default=True,
                help='Run actions that are pure and instant (std.noop, '
                     'std.echo, std.fail) inside the engine instead of '
                     'sending them to an executor. Tasks with a target '
                     'always go to their executor.'),
    cfg.IntOpt('rpc_workers', default=8, min=1,
               help='Threads that process engine requests in parallel with '
                    'in-process RPC; over a broker, oslo.messaging\'s '
                    'executor_thread_pool_size applies.'),
    cfg.IntOpt('outbox_resend_after', default=30, min=1,
               help='Seconds after which an unsent outbox message written '
                    'by a process that died is sent by another engine.'),
]

EXECUTOR_OPTS = [
    cfg.StrOpt('type', default='remote', choices=['local', 'remote'],
               help='"remote" runs actions in executor processes over RPC; '
                    '"local" runs them inside the engine process.'),
    cfg.StrOpt('host', default='0.0.0.0',
               help='Name of this executor; tasks with "target: <host>" '
                    'run only on executors with this name.'),
    cfg.StrOpt('topic', default='mistral_executor',
               help='RPC topic the executors listen on.'),
    cfg.IntOpt('workers', default=16, min=1,
               help='Actions one executor runs at the same time with '
                    'in-process RPC; over a broker, oslo.messaging\'s '
                    'executor_thread_pool_size applies.'),
    cfg.StrOpt('action_runner', default='thread',
               choices=['thread', 'process'],
               help='"thread" runs each action in an executor thread; an '
                    'action past its task\'s timeout is reported failed '
                    'but cannot be stopped. "process" runs each action in '
                    'a child process that is killed at the deadline, for a '
                    'few milliseconds more per action.'),
]


ACTION_HEARTBEAT_OPTS = [
    cfg.IntOpt('check_interval', default=20, min=0,
               help='Seconds between heartbeats sent by executors for the '
                    'actions they run, and between the engines\' checks '
                    'for lost actions. 0 turns heartbeats off.'),
    cfg.IntOpt('max_missed_heartbeats', default=15, min=1,
               help='A running action whose heartbeats stopped for this '
                    'many intervals was lost with its executor: it fails, '
                    'or runs again when its task is safe-rerun.'),
    cfg.IntOpt('first_heartbeat_timeout', default=3600, min=1,
               help='Seconds an action may wait for its first heartbeat '
                    '(for example queued behind busy executors).'),
]

CONTEXT_VERSIONING_OPTS = [
    cfg.BoolOpt('enabled', default=True,
                help='When parallel branches meet at a join, keep for each '
                     'variable the value published last. When off, '
                     'branch contexts are merged in inbound order.'),
]

CRON_TRIGGER_OPTS = [
    cfg.BoolOpt('enabled', default=True,
                help='Fire cron triggers in processes that run the '
                     '"periodic" service. When off, triggers are stored '
                     'but never start workflows.'),
    cfg.IntOpt('execution_interval', default=1, min=1,
               help='Seconds between two checks for cron triggers that '
                    'are due.'),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """Options for oslo-config-generator (namespace `mistral.config`)."""
    return [
        (None, DEFAULT_OPTS),
        ('api', API_OPTS),
        ('pecan', PECAN_OPTS),
        ('engine', ENGINE_OPTS),
        ('executor', EXECUTOR_OPTS),
        ('context_versioning', CONTEXT_VERSIONING_OPTS),
        ('action_heartbeat', ACTION_HEARTBEAT_OPTS),
        ('healthcheck', HEALTHCHECK_OPTS),
        ('cron_trigger', CRON_TRIGGER_OPTS),
    ]


def register_opts(conf: cfg.ConfigOpts) -> None:
    for group, opts in list_opts():
        conf.register_opts(opts, group=group)
    conf.register_opts(db_options.database_opts, group='database')
    # oslo.messaging's own options ([DEFAULT] transport_url,
    # rpc_response_timeout, [oslo_messaging_rabbit] ...).
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    # oslo.messaging registers its tracing and metrics options only on the
    # global cfg.CONF but reads them from whatever conf it is given.
    for module, name in (('oslo_messaging._tracing.client',
                          'oslo_messaging_tracing'),
                         ('oslo_messaging._metrics.client',
                          'oslo_messaging_metrics')):
        try:
            opts = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        conf.register_opts(opts, group=name)
    conf.set_default('connection', DEFAULT_DB_CONNECTION, group='database')


def build_config(argv: list[str] | None = None,
                 extra_cli_opts: list[cfg.Opt] | None = None,
                 default_config_files: list[str] | None = None
                 ) -> cfg.ConfigOpts:
    """Create, register and parse a ConfigOpts for one process.

    `MISTRAL_CONFIG_FILE` / `MISTRAL_CONFIG_DIR` are honoured like upstream.
    """
    conf = cfg.ConfigOpts()
    register_opts(conf)
    if extra_cli_opts:
        conf.register_cli_opts(extra_cli_opts)
    if default_config_files is None:
        env_file = os.environ.get('MISTRAL_CONFIG_FILE')
        default_config_files = [env_file] if env_file else []
    default_config_dirs = []
    if os.environ.get('MISTRAL_CONFIG_DIR'):
        default_config_dirs = [os.environ['MISTRAL_CONFIG_DIR']]
    conf(argv if argv is not None else [], project='mistral',
         default_config_files=default_config_files,
         default_config_dirs=default_config_dirs)
    return conf
