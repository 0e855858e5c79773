"""Crash safety under load: the API process killed with SIGKILL, the
message broker restarted and the database restarted while executions of
the mixed workflow run. Every execution still ends in SUCCESS with the
right output, and no action runs twice.

The broker and the database restarted here are private instances started
by the test (never the shared ones).
"""
from __future__ import annotations

import pathlib

from tests.functional import mixed_load
from tests.server import (PrivatePostgreSQL, PrivateRabbitMQ,
                          SplitDeployment, create_workflows,
                          prepare_database, recorded_runs,
                          write_action_plugin)

EXECUTIONS = 30
# test.record runs of the whole load (start, right, items, flaky).
TOTAL_RUNS = EXECUTIONS * sum(mixed_load.RUNS_PER_TASK.values())
RESTART_CONFIG = {
    # Heartbeats cannot cross a broker that is down: they must outlast a
    # restart, or running actions would be taken for lost.
    # Engines cannot yet tell a broker outage from dead executors (the
    # heartbeats stop either way), so the heartbeat window must outlast the
    # restart and the clients' reconnection; see the note in
    # doc/source/admin/deployment.rst.
    'action_heartbeat': {'check_interval': 2, 'max_missed_heartbeats': 45,
                         'first_heartbeat_timeout': 120},
    'database': {'max_pool_size': 5, 'max_overflow': 10},
}


def _deployment(tmp_path: pathlib.Path, db_url: str,
                transport_url: str) -> SplitDeployment:
    prepare_database(tmp_path / 'db', db_url)
    env = write_action_plugin(tmp_path / 'plugin')
    return SplitDeployment(tmp_path, db_url, transport_url, env=env,
                           extra=RESTART_CONFIG)


def _mid_load(runs: pathlib.Path) -> None:
    """Wait until about a fifth of the load ran."""
    from tests.server import wait_until

    wait_until(lambda: len(recorded_runs(runs)) >= TOTAL_RUNS // 5,
               timeout=60, interval=0.1, message='the load to get going')


def _check(split: SplitDeployment, ns: dict[str, int],
           runs: pathlib.Path) -> None:
    assert len(recorded_runs(runs)) < TOTAL_RUNS, \
        'the load finished before the disruption'
    done = mixed_load.wait_all(split.api_url, ns, timeout=180)
    mixed_load.check_outputs(done, ns)
    mixed_load.check_runs(split.db_url, ns, runs)


def test_api_killed_mid_load(postgresql_url, rabbit_url, tmp_path) -> None:
    runs = tmp_path / 'runs'
    with _deployment(tmp_path, postgresql_url, rabbit_url) as split:
        create_workflows(split.api_url, mixed_load.MIX)
        ns = mixed_load.start_many(split.api_url, EXECUTIONS, runs)
        _mid_load(runs)
        split.api.kill()
        in_flight = len(recorded_runs(runs))
        split.start_api()
        assert in_flight < TOTAL_RUNS, 'the load finished before the kill'
        done = mixed_load.wait_all(split.api_url, ns, timeout=180)
        mixed_load.check_outputs(done, ns)
        mixed_load.check_runs(split.db_url, ns, runs)


def test_rabbitmq_restarted_mid_load(postgresql_url, tmp_path) -> None:
    broker = PrivateRabbitMQ(tmp_path / 'rabbitmq').start()
    runs = tmp_path / 'runs'
    try:
        with _deployment(tmp_path, postgresql_url, broker.url) as split:
            create_workflows(split.api_url, mixed_load.MIX)
            ns = mixed_load.start_many(split.api_url, EXECUTIONS, runs)
            _mid_load(runs)
            broker.restart()
            _check(split, ns, runs)
    finally:
        broker.stop()


def test_database_restarted_mid_load(rabbit_url, tmp_path) -> None:
    database = PrivatePostgreSQL(tmp_path / 'postgresql').start()
    runs = tmp_path / 'runs'
    try:
        with _deployment(tmp_path, database.url, rabbit_url) as split:
            create_workflows(split.api_url, mixed_load.MIX)
            ns = mixed_load.start_many(split.api_url, EXECUTIONS, runs)
            _mid_load(runs)
            # A crash of the database server, then its restart.
            database.stop('immediate')
            database.start()
            assert len(recorded_runs(runs)) < TOTAL_RUNS
            done = mixed_load.wait_all(split.api_url, ns, timeout=180)
            failed = [ex_id for ex_id, ex in done.items()
                      if ex['state'] != 'SUCCESS']
            assert not failed, f'{len(failed)} executions failed'
            # An outbox message sent just before the crash but not yet
            # deleted is sent again after the restart; the executor's claim
            # keeps the action from running a second time.
            assert mixed_load.duplicate_runs(runs) == []
            mixed_load.check_outputs(done, ns)
            mixed_load.check_runs(split.db_url, ns, runs)
    finally:
        database.cleanup()
