"""The real `mistral-db-manage` console script against each database.

Runs the installed script as a subprocess with a config file, the way an
operator does, then checks the database directly.
"""
from __future__ import annotations

import pathlib
import socket
import subprocess
import sys
from importlib import metadata

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
import pytest
import sqlalchemy as sa

from mistral.db import migrations, models

SCRIPT = pathlib.Path(sys.executable).parent / 'mistral-db-manage'
SYSTEM_ACTIONS = {
    'std.noop': 'mistral.actions.std.NoOpAction',
    'std.echo': 'mistral.actions.std.EchoAction',
    'std.fail': 'mistral.actions.std.FailAction',
    'std.sleep': 'mistral.actions.std.SleepAction',
    'std.async_noop': 'mistral.actions.std.AsyncNoOpAction',
    'std.test_dict': 'mistral.actions.std.TestDictAction',
    'std.http': 'mistral.actions.std_http.HTTPAction',
    'std.mistral_http': 'mistral.actions.std_http.MistralHTTPAction',
    'std.email': 'mistral.actions.std_email.SendEmailAction',
    'std.ssh': 'mistral.actions.std_ssh.SSHAction',
    'std.ssh_proxied': 'mistral.actions.std_ssh.SSHProxiedAction',
    'std.wait_ssh': 'mistral.actions.std_ssh.WaitSSHAction',
    'std.javascript': 'mistral.actions.std_js.JavaScriptAction',
    'std.js': 'mistral.actions.std_js.JavaScriptAction',
}


def _db_manage(tmp_path: pathlib.Path, url: str, *args: str,
               ok: bool = True) -> subprocess.CompletedProcess:
    """Run `mistral-db-manage --config-file <conf> *args`."""
    if not SCRIPT.exists():
        pytest.fail(f'{SCRIPT} not found; run ".venv/bin/pip install -e ."')
    conf = tmp_path / 'mistral.conf'
    conf.write_text(f'[database]\nconnection = {url}\n')
    proc = subprocess.run([str(SCRIPT), '--config-file', str(conf), *args],
                          capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    if ok:
        assert proc.returncode == 0, (
            f'{args} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}')
    return proc


def _table_names(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _system_action_rows(url: str) -> dict[str, tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            table = models.ActionDefinition.__table__
            rows = conn.execute(sa.select(
                table.c.name, table.c.id, table.c.is_system, table.c.scope,
                table.c.project_id, table.c.namespace, table.c.action_class,
                table.c.input))
            return {row.name: tuple(row) for row in rows}
    finally:
        engine.dispose()


def test_upgrade_populate_downgrade(any_db_url: str,
                                    tmp_path: pathlib.Path) -> None:
    head = migrations.head()
    assert head == '002'

    _db_manage(tmp_path, any_db_url, 'upgrade', 'head')
    assert set(models.Base.metadata.tables) <= _table_names(any_db_url)
    current = _db_manage(tmp_path, any_db_url, 'current').stdout
    assert f'{head} (head)' in current

    first = _db_manage(tmp_path, any_db_url, 'populate').stdout
    # Every installed action is added: ours, and those of other packages
    # (CI installs the sample package of tests/fixtures).
    installed = {ep.name for ep in metadata.entry_points(
        group='mistral.actions')}
    assert set(SYSTEM_ACTIONS) <= installed
    assert f'{len(installed)} added' in first
    rows = _system_action_rows(any_db_url)
    for name, action_class in SYSTEM_ACTIONS.items():
        _, _, is_system, scope, project_id, namespace, cls, _ = rows[name]
        assert is_system
        assert (scope, project_id, namespace, cls) == (
            'public', models.DEFAULT_PROJECT_ID, '', action_class)
    assert rows['std.sleep'][-1] == 'seconds=1'

    second = _db_manage(tmp_path, any_db_url, 'populate').stdout
    assert '0 added, 0 updated, 0 deleted' in second
    assert _system_action_rows(any_db_url) == rows
    _db_manage(tmp_path, any_db_url, 'populate_actions')
    assert _system_action_rows(any_db_url) == rows

    history = _db_manage(tmp_path, any_db_url, 'history').stdout
    assert f'001 -> {head} (head)' in history
    assert '<base> -> 001,' in history

    _db_manage(tmp_path, any_db_url, 'downgrade', 'base')
    assert _table_names(any_db_url) <= {'alembic_version'}
    assert migrations.current(any_db_url) is None
    assert f'{head}' not in _db_manage(tmp_path, any_db_url,
                                       'current').stdout

    _db_manage(tmp_path, any_db_url, 'upgrade', 'head')
    assert migrations.current(any_db_url) == head


def test_migrated_schema_equals_models(any_db_url: str) -> None:
    migrations.upgrade(any_db_url)
    engine = sa.create_engine(any_db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={'compare_type': True})
            diff = compare_metadata(context, models.Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_upgrade_sql_prints_ddl_without_database(
        tmp_path: pathlib.Path) -> None:
    url = f'sqlite:///{tmp_path}/never-created.sqlite'
    out = _db_manage(tmp_path, url, 'upgrade', 'head', '--sql').stdout
    assert 'CREATE TABLE workflow_executions_v2' in out
    assert not (tmp_path / 'never-created.sqlite').exists()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize('url', [
    'sqlite:////nonexistent-dir/mistral.sqlite',
    f'postgresql+psycopg2://mistral:secret@127.0.0.1:{_closed_port()}/x',
], ids=['sqlite', 'postgresql'])
def test_unreachable_database_is_a_clear_error(
        url: str, tmp_path: pathlib.Path) -> None:
    for args in (['upgrade', 'head'], ['current'], ['populate']):
        proc = _db_manage(tmp_path, url, *args, ok=False)
        assert proc.returncode == 1
        assert 'cannot connect to the database' in proc.stderr
        assert 'Traceback' not in proc.stderr
        assert 'secret' not in proc.stderr


def test_unknown_revision_is_a_clear_error(tmp_path: pathlib.Path) -> None:
    url = f'sqlite:///{tmp_path}/mistral.sqlite'
    proc = _db_manage(tmp_path, url, 'upgrade', 'nope', ok=False)
    assert proc.returncode == 1
    assert "Can't locate revision" in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_sync_removes_vanished_and_keeps_user_actions(
        tmp_path: pathlib.Path) -> None:
    from mistral.actions import registry
    from mistral.actions.std import EchoAction, NoOpAction
    from mistral.db import populate, store

    url = f'sqlite:///{tmp_path}/mistral.sqlite'
    migrations.upgrade(url)
    db = store.Store.from_url(url)
    try:
        old = {'std.noop': registry.describe('std.noop', NoOpAction),
               'std.old': registry.describe('std.old', NoOpAction)}
        with db.write() as session:
            session.add(models.ActionDefinition(
                name='std.echo', namespace='', definition='user action',
                project_id=models.DEFAULT_PROJECT_ID, is_system=False))
            assert sorted(populate.sync_system_actions(session, old).added
                          ) == ['std.noop', 'std.old']
        new = {'std.noop': registry.describe('std.noop', NoOpAction),
               'std.echo': registry.describe('std.echo', EchoAction)}
        with db.write() as session:
            result = populate.sync_system_actions(session, new)
        assert (result.added, result.deleted, result.skipped) == (
            [], ['std.old'], ['std.echo'])
        with db.read() as session:
            rows = {row.name: row for row in session.scalars(
                sa.select(models.ActionDefinition))}
        assert set(rows) == {'std.noop', 'std.echo'}
        assert rows['std.echo'].definition == 'user action'
        assert not rows['std.echo'].is_system
    finally:
        db.dispose()
