"""Keyset paging of `mistral.api.listing` on every database: NULL sort
values are ordered the same way everywhere, so no page loses or repeats a
row."""
from __future__ import annotations

import datetime

import pytest
import sqlalchemy as sa

from mistral.api import listing
from mistral.db import migrations, models
from mistral.db.store import Store

FIELDS = ['id', 'name', 'scope', 'updated_at', 'created_at']


def _pages(store: Store, sort_keys: str, sort_dirs: str) -> list[str]:
    names: list[str] = []
    marker = None
    while True:
        params = listing.parse_list_params(
            marker, 2, sort_keys, sort_dirs, None, {}, 100, FIELDS)
        with store.read() as session:
            rows = listing.apply(session, sa.select(models.Workbook),
                                 models.Workbook, params)
            names += [r.name for r in rows]
            if listing.next_link('http://x', 'workbooks', rows,
                                 params) is None:
                return names
            marker = rows[-1].id


@pytest.mark.parametrize('sort_keys,sort_dirs', [
    ('updated_at', 'asc'), ('updated_at', 'desc'),
    ('updated_at,name', 'desc,asc'), ('scope,updated_at', 'asc,desc')])
def test_paging_over_null_values(any_db_url, sort_keys, sort_dirs) -> None:
    migrations.upgrade(any_db_url)
    store = Store.from_url(any_db_url)
    try:
        base = datetime.datetime(2024, 1, 1)

        def fill(session):
            for i in range(7):
                session.add(models.Workbook(
                    id=models.new_id(), name=f'wb{i}', namespace='',
                    definition='', project_id=models.DEFAULT_PROJECT_ID,
                    scope='public' if i % 3 else 'private',
                    updated_at=None if i % 2 else
                    base + datetime.timedelta(days=i % 4)))

        store.run_in_transaction(fill)
        paged = _pages(store, sort_keys, sort_dirs)
        params = listing.parse_list_params(None, None, sort_keys, sort_dirs,
                                           None, {}, 100, FIELDS)
        with store.read() as session:
            whole = [r.name for r in listing.apply(
                session, sa.select(models.Workbook), models.Workbook,
                params)]
        assert paged == whole
        assert sorted(paged) == [f'wb{i}' for i in range(7)]
    finally:
        store.dispose()
