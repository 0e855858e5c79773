"""Workflow sharing at the services layer, with two real projects.

The API runs with authentication off, so every HTTP request acts in the
default project; the rules between an owner and a member project are
checked here, against a real database, with explicit project ids."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from mistral import exceptions as exc
from mistral.db import migrations, models
from mistral.db.store import Store
from mistral.engine.engine import Engine
from mistral.engine.workflow_run import EngineSettings
from mistral.rpc.inprocess import InProcessTransport
from mistral.services import members, visibility
from mistral.services import workflows as wf_service
from mistral.workflow import states

OWNER, OTHER, STRANGER = 'owner-project', 'other-project', 'third-project'

SHARED = """
version: '2.0'
shared_wf:
  tasks:
    hello:
      action: std.echo output=shared
      publish:
        said: <% task().result %>
  output:
    said: <% $.said %>
"""

PUBLIC = """
version: '2.0'
public_wf:
  tasks:
    t:
      action: std.noop
"""


def _store(url: str) -> Store:
    migrations.upgrade(url)
    return Store.from_url(url)


def _names(store: Store, project_id: str) -> set[str]:
    wf = models.WorkflowDefinition
    with store.read() as session:
        return set(session.scalars(sa.select(wf.name).where(
            visibility.visible(wf, project_id))))


def _find(store: Store, identifier: str, project_id: str):
    with store.read() as session:
        return wf_service.find_workflow(session, identifier, '', project_id)


def _tx(store: Store, func, *args):
    return store.run_in_transaction(lambda s: func(s, *args))


def test_share_accept_reject_unshare(any_db_url):
    store = _store(any_db_url)
    try:
        wf_id = _tx(store, wf_service.create_workflows, SHARED, '',
                    'private', OWNER)[0].id
        public_id = _tx(store, wf_service.create_workflows, PUBLIC, '',
                        'public', OWNER)[0].id
        assert _names(store, OTHER) == {'public_wf'}

        member = _tx(store, members.share, wf_id, OTHER, OWNER)
        assert (member.status, member.project_id, member.member_id) == \
            ('pending', OWNER, OTHER)
        # Pending: not visible yet.
        assert _names(store, OTHER) == {'public_wf'}
        with pytest.raises(exc.NotFoundError):
            _find(store, wf_id, OTHER)

        # The member sees its own row; a third project sees nothing.
        with store.read() as s:
            assert [m.member_id for m in
                    members.list_members(s, wf_id, OTHER)] == [OTHER]
            assert members.get_member(s, wf_id, OTHER, OTHER).id == member.id
            with pytest.raises(exc.NotFoundError, match='Workflow not found'):
                members.list_members(s, wf_id, STRANGER)
        # Only the member project answers the share.
        with pytest.raises(exc.NotFoundError,
                           match='Resource member not found'):
            _tx(store, members.set_status, wf_id, OTHER, 'accepted', OWNER)

        _tx(store, members.set_status, wf_id, OTHER, 'accepted', OTHER)
        assert _names(store, OTHER) == {'public_wf', 'shared_wf'}
        assert _names(store, STRANGER) == {'public_wf'}
        assert _find(store, 'shared_wf', OTHER).id == wf_id
        assert _find(store, wf_id, OTHER).id == wf_id
        # Visible is not owned: the member can not change or delete it.
        with pytest.raises(exc.NotAllowedError):
            _tx(store, wf_service.delete_workflow, wf_id, '', OTHER)
        with pytest.raises(exc.NotAllowedError):
            _tx(store, wf_service.update_workflows, SHARED, '', None, OTHER,
                wf_id)
        with pytest.raises(exc.NotAllowedError, match='owner'):
            _tx(store, members.share, wf_id, STRANGER, OTHER)

        _tx(store, members.set_status, wf_id, OTHER, 'rejected', OTHER)
        assert _names(store, OTHER) == {'public_wf'}
        # A rejected share is still the member's to accept later.
        with store.read() as s:
            assert members.get_member(s, wf_id, OTHER, OTHER).status == \
                'rejected'

        # Only the owner removes a member.
        with pytest.raises(exc.NotFoundError):
            _tx(store, members.unshare, wf_id, OTHER, OTHER)
        _tx(store, members.unshare, wf_id, OTHER, OWNER)
        with pytest.raises(exc.NotFoundError):
            _tx(store, members.set_status, wf_id, OTHER, 'accepted', OTHER)

        # Rules of what can be shared.
        with pytest.raises(exc.InputError, match='Only private resource'):
            _tx(store, members.share, public_id, OTHER, OWNER)
        with pytest.raises(exc.InputError, match='own'):
            _tx(store, members.share, wf_id, OWNER, OWNER)
        with pytest.raises(exc.InputError, match='Member id must be'):
            _tx(store, members.share, wf_id, '', OWNER)
        with pytest.raises(exc.InputError, match='UUID'):
            _tx(store, members.share, 'shared_wf', OTHER, OWNER)
        _tx(store, members.share, wf_id, OTHER, OWNER)
        with pytest.raises(exc.DuplicateEntryError):
            _tx(store, members.share, wf_id, OTHER, OWNER)

        # Deleting the workflow removes its members.
        _tx(store, wf_service.delete_workflow, wf_id, '', OWNER)
        with store.read() as s:
            assert s.scalar(sa.select(sa.func.count()).select_from(
                models.ResourceMember)) == 0
    finally:
        store.dispose()


def test_member_runs_accepted_workflow(tmp_path):
    """An accepted share is runnable: the member project starts it and the
    execution belongs to the member."""
    url = f'sqlite:///{tmp_path}/members.sqlite'
    store = _store(url)
    transport = InProcessTransport()
    engine = Engine(store, transport, EngineSettings())
    transport.serve('mistral_engine', 'engine', engine, 4)
    engine.start_background()
    try:
        wf_id = _tx(store, wf_service.create_workflows, SHARED, '',
                    'private', OWNER)[0].id
        _tx(store, members.share, wf_id, OTHER, OWNER)
        _tx(store, members.set_status, wf_id, OTHER, 'accepted', OTHER)
        definition = _find(store, 'shared_wf', OTHER)
        ex_id = engine.start_workflow(definition.id, models.new_id(), {}, {},
                                      None, OTHER)['id']
        deadline = time.monotonic() + 20
        while True:
            with store.read() as s:
                wf_ex = s.get(models.WorkflowExecution, ex_id)
                if wf_ex.state in states.TERMINAL or \
                        time.monotonic() > deadline:
                    break
            time.sleep(0.02)
        assert wf_ex.state == states.SUCCESS, wf_ex.state_info
        assert wf_ex.project_id == OTHER
        assert wf_ex.output == {'said': 'shared'}
    finally:
        engine.stop_background()
        transport.close()
        store.dispose()
