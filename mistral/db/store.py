"""Database connection and transactions.

`Store` owns one SQLAlchemy engine. `Store.write()` opens a transaction that
will change data: on SQLite it takes the database write lock up front
(`BEGIN IMMEDIATE`) so two writers never deadlock on lock upgrade; on
PostgreSQL and MySQL it runs at READ COMMITTED and callers lock the rows
they change (see `executions.lock_workflow_execution`).
"""
from __future__ import annotations

import contextlib
import logging
import time
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy import event, exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

LOG = logging.getLogger(__name__)

_RETRYABLE_HINTS = ('deadlock', 'database is locked', 'lock wait timeout',
                    'could not serialize', 'server has gone away',
                    'lost connection', 'connection refused',
                    'terminating connection', 'server closed the connection')


def _is_retryable(error: Exception) -> bool:
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    text = str(error).lower()
    return any(hint in text for hint in _RETRYABLE_HINTS)


def create_engine(url: str, pool_size: int | None = None,
                  max_overflow: int | None = None) -> sa.Engine:
    """An engine configured for Mistral's transaction model."""
    if url.startswith('sqlite'):
        engine = sa.create_engine(
            url, connect_args={'timeout': 60, 'check_same_thread': False})

        @event.listens_for(engine, 'connect')
        def _on_connect(dbapi_conn, _record):
            # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN would
            # be deferred), and use WAL so readers never block the writer.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute('PRAGMA journal_mode=WAL')
            cur.execute('PRAGMA synchronous=NORMAL')
            cur.execute('PRAGMA foreign_keys=ON')
            cur.close()

        @event.listens_for(engine, 'begin')
        def _on_begin(conn):
            if conn.get_execution_options().get('mistral_write'):
                conn.exec_driver_sql('BEGIN IMMEDIATE')
            else:
                conn.exec_driver_sql('BEGIN')

        return engine
    kwargs: dict = {'isolation_level': 'READ COMMITTED'}
    if pool_size is not None:
        kwargs['pool_size'] = pool_size
    if max_overflow is not None:
        kwargs['max_overflow'] = max_overflow
    engine = sa.create_engine(url, **kwargs)
    _ping_idle_connections(engine)
    return engine


# A pooled connection unused for this long is tested before it is handed
# out. Testing every checkout (pool_pre_ping) costs a round trip per
# transaction, a quarter of the API's work on a busy server; connections in
# steady use fail at most once after a database restart, and then the whole
# pool is replaced (write transactions retry; see run_in_transaction).
PING_IF_IDLE_S = 10.0


def _ping_idle_connections(engine: sa.Engine) -> None:
    @event.listens_for(engine, 'checkin')
    def _checked_in(_dbapi_conn, record) -> None:
        record.info['checked_in'] = time.monotonic()

    @event.listens_for(engine, 'checkout')
    def _checkout(dbapi_conn, record, _proxy) -> None:
        last = record.info.get('checked_in')
        if last is None or time.monotonic() - last < PING_IF_IDLE_S:
            return
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute('SELECT 1')
            finally:
                cursor.close()
        except Exception as e:
            # The pool drops this connection and hands out a new one.
            raise sa_exc.DisconnectionError(str(e)) from e


class Store:
    """Hands out sessions bound to one database."""

    def __init__(self, engine: sa.Engine, retries: int = 10) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == 'sqlite'
        self._retries = retries
        self._read = sessionmaker(bind=engine, expire_on_commit=False)
        self._write = sessionmaker(
            bind=engine.execution_options(mistral_write=True),
            expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, **kwargs) -> 'Store':
        return cls(create_engine(url, **kwargs))

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        # Closing (not rolling back) ends the transaction and leaves the
        # loaded objects usable, detached, by the caller.
        with self._read() as session:
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed if the block ends, rolled back if not."""
        with self._write() as session:
            with session.begin():
                yield session

    def run_in_transaction(self, func, *args, **kwargs):
        """Run `func(session, ...)` in a write transaction, retrying it when
        the database reports a deadlock or a dropped connection."""
        delay = 0.01
        for attempt in range(self._retries + 1):
            try:
                with self.write() as session:
                    return func(session, *args, **kwargs)
            except sa_exc.DBAPIError as e:
                if attempt == self._retries or not _is_retryable(e):
                    raise
                LOG.warning('Retrying transaction after: %s', e.orig)
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def dispose(self) -> None:
        self.engine.dispose()
