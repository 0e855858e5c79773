"""Every configuration option Mistral reads, registered in one place.

Names, groups and defaults follow OpenStack Mistral so existing
`mistral.conf` files keep working. `build_config()` is called by the
composition roots in `mistral.cmd`; nothing else creates a ConfigOpts.
"""
from __future__ import annotations

import importlib
import json
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
    cfg.StrOpt('auth_type', default='keystone', choices=['keystone'],
               help='How API callers are authenticated when [pecan] '
                    'auth_enable is on: "keystone" validates tokens with '
                    'keystonemiddleware auth_token.'),
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
    cfg.BoolOpt('allow_action_execution_deletion', default=False,
                help='Allow DELETE /v2/action_executions/<id> for finished '
                     'action executions run outside any workflow.'),
]

HEALTHCHECK_OPTS = [
    cfg.BoolOpt('enabled', default=False,
                help='Answer GET /healthcheck with 200 "OK" (text/plain) '
                     'for load balancers and monitoring.'),
]

PECAN_OPTS = [
    cfg.BoolOpt('debug', default=False, help='Pecan debug mode.'),
    cfg.BoolOpt('auth_enable', default=False,
                help='Require a valid Keystone token on every API request '
                     '(configured in [keystone_authtoken]), scope every '
                     'resource to the caller\'s project and check the RBAC '
                     'rules ([oslo_policy]). With it off, every request acts '
                     'in one default project, and binding the API to a '
                     'non-loopback address requires setting it to False '
                     'explicitly.'),
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


ACTION_STD_HTTP_OPTS = [
    cfg.ListOpt('allowed_schemes', default=['http', 'https'],
                help='URL schemes std.http and std.mistral_http may use.'),
    cfg.ListOpt('denied_cidrs', default=['169.254.0.0/16', 'fe80::/10'],
                help='Addresses (CIDRs or single IPs) std.http must not '
                     'connect to; a host name is checked against every '
                     'address it resolves to, redirects included. The '
                     'default blocks link-local addresses, among them the '
                     'cloud metadata service 169.254.169.254, and allows '
                     'loopback so a local Mistral and its tests can call '
                     'services on 127.0.0.1. On a shared deployment add '
                     '127.0.0.0/8, ::1/128 and your internal networks.'),
    cfg.ListOpt('allowed_hosts', default=[],
                help='If set, the only host names (or addresses) std.http '
                     'may connect to; shell-style wildcards such as '
                     '*.example.com work. Empty: any host not denied by '
                     'denied_cidrs.'),
    cfg.IntOpt('default_timeout', default=60, min=0,
               help='Seconds a std.http request may take when the action '
                    'gives no timeout. 0: no limit.'),
    cfg.IntOpt('max_response_size_bytes', default=5242880, min=0,
               help='Largest response body std.http accepts; a larger one '
                    'fails the action. 0: no limit.'),
    cfg.StrOpt('callback_base_url',
               help='Base of the Mistral-Callback-URL header std.mistral_http '
                    'sends, e.g. https://mistral.example.com:8989. Unset: '
                    'built from [api] host and port.'),
]

ACTION_PROVIDERS_OPTS = [
    cfg.ListOpt('allowlist', default=[],
                help='Action providers to use (shell-style patterns over '
                     'the names "legacy", "adhoc" and "dynamic"). When set, '
                     'only the matching providers are used and denylist is '
                     'ignored.'),
    cfg.ListOpt('denylist', default=[],
                help='Action providers not to use (shell-style patterns); '
                     'ignored when allowlist is set.'),
]

LEGACY_ACTION_PROVIDER_OPTS = [
    cfg.BoolOpt('load_action_plugins', default=True,
                help='Load the action classes registered with the '
                     '"mistral.actions" entry point.'),
    cfg.BoolOpt('load_action_generators', default=True,
                help='Load the actions made by the generators registered '
                     'with the "mistral.generators" entry point.'),
    cfg.BoolOpt('only_builtin_actions', default=False,
                help='Keep only the action classes that Mistral itself '
                     'ships (modules under "mistral.").'),
    cfg.ListOpt('allowlist', default=[],
                help='Action names to keep (shell-style patterns such as '
                     '"std.*"). When set, every other action is dropped and '
                     'denylist is ignored.'),
    cfg.ListOpt('denylist', default=[],
                help='Action names to drop (shell-style patterns); ignored '
                     'when allowlist is set.'),
]

EVENT_ENGINE_OPTS = [
    cfg.StrOpt('host', default='0.0.0.0',
               help='Name of this event engine node.'),
    cfg.StrOpt('listener_pool_name', default='events',
               help='Pool of the notification listeners: event engines '
                    'with the same pool name share the events of an '
                    'exchange (each event is handled once); the queue of '
                    'an exchange is "mistral-<exchange>-<pool name>".'),
    cfg.StrOpt('topic', default='mistral_event_engine',
               help='RPC topic the event engines listen on for changes '
                    'of event triggers made through the API.'),
    cfg.StrOpt('event_definitions_cfg_file',
               default='/etc/mistral/event_definitions.yaml',
               help='YAML file that says how notifications are turned into '
                    'the "event_params" of the workflows they start. '
                    'Without it the default properties are used.'),
    cfg.IntOpt('reload_interval', default=60, min=1,
               help='Seconds between two reloads of the event triggers '
                    'from the database, in case a change notice from the '
                    'API was lost.'),
]

_TERMINAL_STATES = ['CANCELLED', 'ERROR', 'SUCCESS']

EXECUTION_EXPIRATION_POLICY_OPTS = [
    cfg.IntOpt('evaluation_interval', min=1,
               help='Minutes between two runs of the execution expiration '
                    'policy in processes that run the "periodic" service. '
                    'Unset (the default) disables the policy. Only '
                    'finished root executions (SUCCESS, ERROR, CANCELLED) '
                    'are deleted, with everything under them.'),
    cfg.IntOpt('older_than', min=1,
               help='Delete finished executions last updated at least this '
                    'many minutes ago.'),
    cfg.IntOpt('max_finished_executions', default=0, min=0,
               help='Keep only this many of the most recently updated '
                    'finished executions and delete the others, expired '
                    'or not. 0 applies no such limit.'),
    cfg.IntOpt('batch_size', default=0, min=0,
               help='Executions deleted per transaction; 0 deletes all '
                    'selected executions in one transaction.'),
    cfg.ListOpt('ignored_states', default=[],
                item_type=cfg.types.String(choices=_TERMINAL_STATES),
                help='Finished states whose executions are never deleted. '
                     f'Valid values: {", ".join(_TERMINAL_STATES)}.'),
]

YAQL_OPTS = [
    cfg.IntOpt('limit_iterators', default=-1, min=-1,
               help='Largest number of elements a YAQL expression may '
                    'iterate over or return; -1 for no limit.'),
    cfg.IntOpt('memory_quota', default=-1, min=-1,
               help='Largest amount of memory, in bytes, a YAQL expression '
                    'may use for the collections it builds; -1 for no '
                    'limit.'),
    cfg.BoolOpt('convert_input_data', default=True,
                help='Convert the data given to YAQL into its immutable '
                     'types first. Turning it off speeds up expressions '
                     'over large data, but an expression may then change '
                     'that data in place.'),
    cfg.BoolOpt('convert_output_data', default=True,
                help='Convert YAQL results back to plain lists and '
                     'dictionaries (honouring convert_tuples_to_lists and '
                     'convert_sets_to_lists).'),
    cfg.BoolOpt('convert_tuples_to_lists', default=True,
                help='Return tuples from YAQL expressions as lists.'),
    cfg.BoolOpt('convert_sets_to_lists', default=False,
                help='Return sets from YAQL expressions as lists.'),
    cfg.BoolOpt('iterable_dicts', default=False,
                help='Let YAQL iterate over dictionaries (their keys) like '
                     'over lists.'),
    cfg.StrOpt('keyword_operator', default='=>',
               help='Operator for keyword arguments of YAQL functions, as '
                    'in dict(a => 1); empty turns keyword arguments off.'),
    cfg.BoolOpt('allow_delegates', default=False,
                help='Allow calling functions held in YAQL variables, as '
                     'in let(f => lambda($ * 2)) -> $f(3).'),
]

NOTIFIER_OPTS = [
    cfg.StrOpt('type', default='remote', choices=['local', 'remote'],
               help='"remote": engines send notification events to the '
                    '"notifier" service over RPC, through their outbox (an '
                    'engine that dies after a state change still gets its '
                    'events sent). "local": each engine delivers the events '
                    'itself, in background threads.'),
    cfg.StrOpt('host', default='0.0.0.0',
               help='Name of this notifier node.'),
    cfg.StrOpt('topic', default='mistral_notifier',
               help='RPC topic the notifier service listens on.'),
    cfg.ListOpt('notify', item_type=json.loads, bounds=True, default=[],
                help='Publishers that get the events of every execution, '
                     'added to each execution\'s params.notify, as a JSON '
                     'list, e.g. [{"type": "webhook", "url": '
                     '"https://example.com/hook"}].'),
    cfg.IntOpt('workers', default=4, min=1,
               help='Threads delivering events; the events of one '
                    'execution always go through the same thread, in '
                    'order.'),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """Options for oslo-config-generator (namespace `mistral.config`)."""
    return [
        ('action_std_http', ACTION_STD_HTTP_OPTS),
        (None, DEFAULT_OPTS),
        ('api', API_OPTS),
        ('pecan', PECAN_OPTS),
        ('engine', ENGINE_OPTS),
        ('executor', EXECUTOR_OPTS),
        ('context_versioning', CONTEXT_VERSIONING_OPTS),
        ('action_heartbeat', ACTION_HEARTBEAT_OPTS),
        ('healthcheck', HEALTHCHECK_OPTS),
        ('cron_trigger', CRON_TRIGGER_OPTS),
        ('notifier', NOTIFIER_OPTS),
        ('yaql', YAQL_OPTS),
        ('event_engine', EVENT_ENGINE_OPTS),
        ('execution_expiration_policy', EXECUTION_EXPIRATION_POLICY_OPTS),
        ('action_providers', ACTION_PROVIDERS_OPTS),
        ('legacy_action_provider', LEGACY_ACTION_PROVIDER_OPTS),
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
