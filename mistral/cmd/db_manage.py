"""`mistral-db-manage`: migrate the schema and load the system actions.

    mistral-db-manage --config-file mistral.conf upgrade head

The database is `[database] connection`. Commands and options follow
upstream Mistral; errors a user can fix (unreachable database, unknown
revision) end with a one-line message and exit status 1, not a traceback.
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Callable

from alembic import command as alembic_command
from alembic import util as alembic_util
from alembic.script import ScriptDirectory
from oslo_config import cfg
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from mistral import config as mistral_config
from mistral import exceptions
from mistral.db import migrations
from mistral.db import populate
from mistral.db import store

PROG = 'mistral-db-manage'


class UsageError(exceptions.MistralError):
    """A problem the user can fix; printed without a traceback."""


# -- commands ---------------------------------------------------------------

def _relative(args: argparse.Namespace, sign: str,
              default: str | None) -> str:
    """The target revision: `revision`, or `delta` steps from the current."""
    if args.delta is not None:
        if args.revision:
            raise UsageError('give a revision or --delta, not both')
        if args.delta < 1:
            raise UsageError('--delta must be a positive number')
        return f'{sign}{args.delta}'
    if not args.revision and default is None:
        raise UsageError('give a revision or --delta')
    return args.revision or default


def do_upgrade(url: str, args: argparse.Namespace) -> None:
    if not args.sql:
        _check_connection(url)
    alembic_command.upgrade(migrations.alembic_config(url),
                            _relative(args, '+', 'head'), sql=args.sql)


def do_downgrade(url: str, args: argparse.Namespace) -> None:
    if not args.sql:
        _check_connection(url)
    alembic_command.downgrade(migrations.alembic_config(url),
                              _relative(args, '-', None), sql=args.sql)


def do_stamp(url: str, args: argparse.Namespace) -> None:
    if not args.sql:
        _check_connection(url)
    alembic_command.stamp(migrations.alembic_config(url), args.revision,
                          sql=args.sql)


def do_current(url: str, args: argparse.Namespace) -> None:
    _check_connection(url)
    alembic_command.current(migrations.alembic_config(url),
                            verbose=args.verbose)


def do_history(url: str, args: argparse.Namespace) -> None:
    alembic_command.history(migrations.alembic_config(url),
                            verbose=args.verbose)


def do_branches(url: str, args: argparse.Namespace) -> None:
    alembic_command.branches(migrations.alembic_config(url),
                             verbose=args.verbose)


def _next_rev_id() -> str:
    """Revisions are numbered like upstream's: 001, 002, ..."""
    script = ScriptDirectory(migrations.SCRIPT_LOCATION)
    numbers = [int(rev.revision) for rev in script.walk_revisions()
               if rev.revision.isdigit()]
    return f'{max(numbers, default=0) + 1:03d}'


def do_revision(url: str, args: argparse.Namespace) -> None:
    if args.autogenerate:
        _check_connection(url)
    alembic_command.revision(migrations.alembic_config(url),
                             message=args.message,
                             autogenerate=args.autogenerate, sql=args.sql,
                             rev_id=args.rev_id or _next_rev_id())


def do_populate(url: str, args: argparse.Namespace) -> None:
    """Sync the system actions. Upstream also installs its standard
    workflows here; this implementation ships none, so `populate` and
    `populate_actions` do the same."""
    _check_connection(url)
    at, head = migrations.current(url), migrations.head()
    if at != head:
        raise UsageError(f'the database schema is at revision {at}, not '
                         f'{head}; run "{PROG} upgrade head" first')
    db = store.Store.from_url(url)
    try:
        result = db.run_in_transaction(populate.sync_system_actions)
    finally:
        db.dispose()
    print(f'System actions: {result}')


# -- command line -----------------------------------------------------------

def _add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Declare the sub-commands (oslo.config SubCommandOpt handler)."""
    def add(name: str, func: Callable, help: str) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(name, help=help)
        parser.set_defaults(func=func)
        return parser

    for name, func, verb in (('upgrade', do_upgrade, 'Upgrade'),
                             ('downgrade', do_downgrade, 'Downgrade')):
        parser = add(name, func, f'{verb} the schema to a revision.')
        parser.add_argument('revision', nargs='?',
                            help='target revision' +
                                 (' (default: head)' if name == 'upgrade'
                                  else ', e.g. "base"'))
        parser.add_argument('--delta', type=int,
                            help='number of revisions to move instead')
        parser.add_argument('--sql', action='store_true',
                            help='print the SQL instead of running it')

    parser = add('stamp', do_stamp,
                 'Record a revision as current without migrating.')
    parser.add_argument('revision')
    parser.add_argument('--sql', action='store_true')

    for name, func, text in (
            ('current', do_current, 'Show the revision of the database.'),
            ('history', do_history, 'List the revisions.'),
            ('branches', do_branches, 'Show branch points.')):
        add(name, func, text).add_argument('--verbose', action='store_true')

    parser = add('revision', do_revision, 'Create a new migration script.')
    parser.add_argument('-m', '--message')
    parser.add_argument('--autogenerate', action='store_true',
                        help='fill it with the differences between the '
                             'models and the database')
    parser.add_argument('--rev-id', help='revision id (default: next number)')
    parser.add_argument('--sql', action='store_true')

    add('populate', do_populate,
        'Load the system actions (and standard workflows).')
    add('populate_actions', do_populate, 'Load the system actions.')


COMMAND_OPT = cfg.SubCommandOpt('command', title='Commands',
                                help='Available commands',
                                handler=_add_parsers)


def _safe_url(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        return url


def _check_connection(url: str) -> None:
    """Fail early, with a clear message, when the database is unreachable."""
    try:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect():
                pass
        finally:
            engine.dispose()
    except (sa_exc.DBAPIError, sa_exc.ArgumentError,
            sa_exc.NoSuchModuleError, ImportError) as e:
        reason = getattr(e, 'orig', None) or e
        raise UsageError(f'cannot connect to the database '
                         f'{_safe_url(url)}: {_first_line(reason)}') from e


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `mistral-db-manage` console script."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format='%(levelname)s [%(name)s] %(message)s')
    try:
        conf = mistral_config.build_config(
            sys.argv[1:] if argv is None else argv,
            extra_cli_opts=[COMMAND_OPT])
    except cfg.Error as e:
        print(f'{PROG}: {e}', file=sys.stderr)
        return 1
    url = conf.database.connection
    try:
        # conf.command exposes the sub-command's argparse values.
        conf.command.func(url, conf.command)
    except UsageError as e:
        print(f'{PROG}: {e}', file=sys.stderr)
        return 1
    except alembic_util.CommandError as e:
        print(f'{PROG}: {e}', file=sys.stderr)
        return 1
    except sa_exc.DBAPIError as e:
        print(f'{PROG}: {conf.command.name} failed on {_safe_url(url)}: '
              f'{_first_line(e.orig or e)}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
