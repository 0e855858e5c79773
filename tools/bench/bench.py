#!/usr/bin/env python3
"""Benchmark any Mistral-compatible REST API v2 endpoint.

Usage::

    python tools/bench/bench.py --url http://127.0.0.1:8989/v2 \
        [--compare http://127.0.0.1:8990/v2] [--scenarios chain,join,...] \
        [--repeat 3] [--json out.json] [--timeout 600]

Every scenario uploads its own uniquely named workflow(s), runs them through
the public API only, and checks the result (final state, workflow output and,
where cheap, the number of task executions).  A wrong result makes the
scenario FAILED; it never yields a time.  Only the standard library and
``requests`` are used, so the script runs from any Python 3.10+ environment.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import requests

TERMINAL_STATES = frozenset({"SUCCESS", "ERROR", "CANCELLED"})
POLL_START = 0.02  # seconds; first poll interval
POLL_MAX = 0.2  # seconds; poll interval after back-off
POLL_FACTOR = 1.5


class BenchError(Exception):
    """A scenario could not run or produced a wrong result."""


@dataclass
class Sample:
    """One timed figure produced by one run of a scenario."""

    row: str  # table row, e.g. "chain" or "list:workflows"
    seconds: float
    count: float  # units of work done in `seconds` (tasks, items, ...)
    unit: str  # rate unit, e.g. "tasks/s"


# --------------------------------------------------------------------------
# HTTP client
# --------------------------------------------------------------------------


class Api:
    """Thin client for the few /v2 endpoints the scenarios need."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        # One session per thread: requests.Session is not thread-safe.
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session

    def request(
        self,
        method: str,
        path: str,
        expect: tuple[int, ...] = (200,),
        **kwargs: Any,
    ) -> Any:
        url = self.base_url + path
        try:
            resp = self.session.request(
                method, url, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise BenchError(f"{method} {path}: {exc}") from exc
        if resp.status_code not in expect:
            body = resp.text.strip().replace("\n", " ")[:400]
            raise BenchError(
                f"{method} {path} -> HTTP {resp.status_code}: {body}"
            )
        return resp.json() if resp.content else None

    def create_workflows(self, definition: str) -> list[dict[str, Any]]:
        data = self.request(
            "POST",
            "/workflows",
            expect=(201,),
            data=definition.encode(),
            headers={"Content-Type": "text/plain"},
        )
        workflows = data.get("workflows") if isinstance(data, dict) else None
        if not isinstance(workflows, list) or not workflows:
            raise BenchError(
                f"POST /workflows: unexpected response {data!r:.300}"
            )
        return workflows

    def start_execution(
        self, workflow_name: str, wf_input: dict[str, Any]
    ) -> str:
        data = self.request(
            "POST",
            "/executions",
            expect=(201, 200),
            json={"workflow_name": workflow_name, "input": wf_input},
        )
        if not isinstance(data, dict) or "id" not in data:
            raise BenchError(
                f"POST /executions: unexpected response {data!r:.300}"
            )
        return str(data["id"])

    def get_execution(self, execution_id: str) -> dict[str, Any]:
        data = self.request("GET", f"/executions/{execution_id}")
        if not isinstance(data, dict):
            raise BenchError(f"GET /executions/{execution_id}: not an object")
        return data

    def get_list(
        self, path: str, key: str, **params: Any
    ) -> list[dict[str, Any]]:
        """GET a collection like ``{"tasks": [...]}``; return the list."""
        data = self.request("GET", path, params=params)
        items = data.get(key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise BenchError(f"GET {path}: no {key!r} list in {data!r:.300}")
        return items

    def list_executions(self, **params: Any) -> list[dict[str, Any]]:
        return self.get_list("/executions", "executions", **params)

    def get_tasks(self, execution_id: str) -> list[dict[str, Any]]:
        return self.get_list(f"/executions/{execution_id}/tasks", "tasks")


# --------------------------------------------------------------------------
# Waiting and checking
# --------------------------------------------------------------------------


def wait_for(api: Api, execution_id: str, deadline: float) -> dict[str, Any]:
    """Poll one execution until it reaches a terminal state."""
    interval = POLL_START
    while True:
        execution = api.get_execution(execution_id)
        if execution.get("state") in TERMINAL_STATES:
            return execution
        if time.monotonic() > deadline:
            raise BenchError(
                f"execution {execution_id} still {execution.get('state')} "
                "at timeout"
            )
        time.sleep(interval)
        interval = min(interval * POLL_FACTOR, POLL_MAX)


def wait_for_all(
    api: Api, workflow_name: str, execution_ids: list[str], deadline: float
) -> None:
    """Poll many executions of one workflow until all are terminal.

    One ``GET /executions?workflow_name=...`` per round keeps the polling load
    independent of the number of executions; any id missing from that list
    (e.g. the server ignores the filter) is fetched individually.
    """
    pending = set(execution_ids)
    interval = POLL_START
    while True:
        listed = api.list_executions(
            workflow_name=workflow_name, limit=max(1000, len(execution_ids))
        )
        states = {str(e.get("id")): e.get("state") for e in listed}
        for execution_id in list(pending):
            state = states.get(execution_id)
            if state is None:
                state = api.get_execution(execution_id).get("state")
            if state in TERMINAL_STATES:
                pending.discard(execution_id)
        if not pending:
            return
        if time.monotonic() > deadline:
            raise BenchError(
                f"{len(pending)} executions still running at timeout"
            )
        time.sleep(interval)
        interval = min(interval * POLL_FACTOR, POLL_MAX)


def parse_json_field(value: Any) -> Any:
    """``output``/``input`` are JSON strings inside the JSON response."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise BenchError(
                f"field is not valid JSON: {value[:200]!r}"
            ) from exc
    return value


def check_execution(
    api: Api,
    execution: dict[str, Any],
    expected_output: dict[str, Any],
    expected_tasks: int | None = None,
) -> None:
    """Fail unless the execution succeeded with exactly the expected output.

    With ``expected_tasks`` also check the number of task executions and that
    every one of them is SUCCESS.
    """
    execution_id = execution.get("id")
    state = execution.get("state")
    if state != "SUCCESS":
        raise BenchError(
            f"execution {execution_id} ended {state}: "
            f"{execution.get('state_info')}"
        )
    output = parse_json_field(execution.get("output"))
    if output != expected_output:
        raise BenchError(
            f"execution {execution_id}: wrong output {str(output)[:300]}, "
            f"expected {str(expected_output)[:300]}"
        )
    if expected_tasks is not None:
        tasks = api.get_tasks(str(execution_id))
        if len(tasks) != expected_tasks:
            raise BenchError(
                f"execution {execution_id}: {len(tasks)} tasks, "
                f"expected {expected_tasks}"
            )
        bad = [t.get("name") for t in tasks if t.get("state") != "SUCCESS"]
        if bad:
            raise BenchError(
                f"execution {execution_id}: tasks not SUCCESS: {bad[:5]}"
            )


def run_one(
    api: Api,
    definition: str,
    workflow_name: str,
    wf_input: dict[str, Any],
    timeout: float,
) -> tuple[float, dict[str, Any]]:
    """Upload (untimed), then time one execution until it is terminal."""
    api.create_workflows(definition)
    started = time.monotonic()
    execution_id = api.start_execution(workflow_name, wf_input)
    execution = wait_for(api, execution_id, started + timeout)
    return time.monotonic() - started, execution


# --------------------------------------------------------------------------
# Workflow definitions
# --------------------------------------------------------------------------


def noop_chain(name: str, length: int) -> str:
    """A chain of ``length`` std.noop tasks; the last publishes its name."""
    lines = [
        "version: '2.0'",
        f"{name}:",
        "  output:",
        "    last: <% $.last %>",
        "  tasks:",
    ]
    for i in range(1, length + 1):
        lines += [f"    t{i}:", "      action: std.noop"]
        if i < length:
            lines += ["      on-success:", f"        - t{i + 1}"]
        else:
            lines += ["      publish:", "        last: <% task().name %>"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------

CHAIN_LENGTH = 50
JOIN_WIDTH = 50
ITEMS = 200
PUBLISH_LENGTH = 20
CONCURRENT_EXECUTIONS = 50
CONCURRENT_CHAIN = 5
SUBWORKFLOW_CALLS = 10
UPLOAD_TASKS = 50
LIST_CALLS = 20


def scenario_chain(api: Api, tag: str, timeout: float) -> list[Sample]:
    """Sequential chain of 50 ``std.noop`` tasks linked by ``on-success``.

    Measures per-task engine overhead on the critical path.  The last task
    publishes its own name, which becomes the workflow output.
    """
    name = f"bench_chain_{tag}"
    seconds, execution = run_one(
        api, noop_chain(name, CHAIN_LENGTH), name, {}, timeout
    )
    check_execution(api, execution, {"last": f"t{CHAIN_LENGTH}"}, CHAIN_LENGTH)
    return [Sample("chain", seconds, CHAIN_LENGTH, "tasks/s")]


def scenario_join(api: Api, tag: str, timeout: float) -> list[Sample]:
    """Fan-out to 50 parallel branches, then a final task with ``join: all``.

    Every branch publishes its own number; the joined task must see all of
    them, so the output is their sum (1 + ... + 50 = 1275).
    """
    name = f"bench_join_{tag}"
    branches = [f"b{i}" for i in range(1, JOIN_WIDTH + 1)]
    lines = [
        "version: '2.0'",
        f"{name}:",
        "  output:",
        "    total: <% $.total %>",
        "  tasks:",
        "    start:",
        "      action: std.noop",
        "      on-success:",
    ]
    lines += [f"        - {b}" for b in branches]
    for i, branch in enumerate(branches, start=1):
        lines += [
            f"    {branch}:",
            "      action: std.noop",
            "      publish:",
            f"        v{i}: <% {i} %>",
            "      on-success:",
            "        - final",
        ]
    total_expr = " + ".join(f"$.v{i}" for i in range(1, JOIN_WIDTH + 1))
    lines += [
        "    final:",
        "      join: all",
        "      action: std.noop",
        "      publish:",
        f"        total: <% {total_expr} %>",
    ]
    definition = "\n".join(lines) + "\n"
    seconds, execution = run_one(api, definition, name, {}, timeout)
    expected_total = JOIN_WIDTH * (JOIN_WIDTH + 1) // 2
    check_execution(api, execution, {"total": expected_total}, JOIN_WIDTH + 2)
    return [Sample("join", seconds, JOIN_WIDTH + 2, "tasks/s")]


def with_items_definition(name: str, concurrency: int | None) -> str:
    """One ``std.echo`` task iterating over ``$.items``; output is the list."""
    lines = [
        "version: '2.0'",
        f"{name}:",
        "  input:",
        "    - items",
        "  output:",
        "    result: <% $.result %>",
        "  tasks:",
        "    echo:",
        "      with-items: i in <% $.items %>",
    ]
    if concurrency is not None:
        lines.append(f"      concurrency: {concurrency}")
    lines += [
        "      action: std.echo output=<% $.i %>",
        "      publish:",
        "        result: <% task().result %>",
    ]
    return "\n".join(lines) + "\n"


def _with_items(
    api: Api, tag: str, timeout: float, row: str, concurrency: int | None
) -> list[Sample]:
    name = f"bench_{row}_{tag}"
    items = list(range(ITEMS))
    seconds, execution = run_one(
        api,
        with_items_definition(name, concurrency),
        name,
        {"items": items},
        timeout,
    )
    check_execution(api, execution, {"result": items}, 1)
    return [Sample(row, seconds, ITEMS, "items/s")]


def scenario_with_items(api: Api, tag: str, timeout: float) -> list[Sample]:
    """``with-items`` over 200 items running ``std.echo output=<% $.i %>``.

    The output must be the 200 echoed items in their original order.
    """
    return _with_items(api, tag, timeout, "with_items", None)


def scenario_with_items_c10(
    api: Api, tag: str, timeout: float
) -> list[Sample]:
    """Same as ``with_items`` but limited to ``concurrency: 10``."""
    return _with_items(api, tag, timeout, "with_items_c10", 10)


SCALE_ITEMS = (625, 1250, 2500, 5000)
SCALE_TASKS = (25, 50, 100, 200)


def scenario_scale_items(api: Api, tag: str, timeout: float) -> list[Sample]:
    """``with-items`` over 625, 1,250, 2,500 and 5,000 items: one row per
    size, so the table shows how the time grows with the list."""
    samples = []
    for size in SCALE_ITEMS:
        name = f"bench_scale_items_{size}_{tag}"
        items = list(range(size))
        seconds, execution = run_one(
            api, with_items_definition(name, None), name, {"items": items},
            timeout,
        )
        check_execution(api, execution, {"result": items}, 1)
        samples.append(Sample(f"items:{size}", seconds, size, "items/s"))
    return samples


def scenario_scale_tasks(api: Api, tag: str, timeout: float) -> list[Sample]:
    """Chains of 25, 50, 100 and 200 ``std.noop`` tasks: one row per
    length."""
    samples = []
    for length in SCALE_TASKS:
        name = f"bench_scale_tasks_{length}_{tag}"
        seconds, execution = run_one(
            api, noop_chain(name, length), name, {}, timeout
        )
        check_execution(api, execution, {"last": f"t{length}"}, length)
        samples.append(Sample(f"tasks:{length}", seconds, length, "tasks/s"))
    return samples


def scenario_publish(api: Api, tag: str, timeout: float) -> list[Sample]:
    """Chain of 20 tasks, each publishing a YAQL and a Jinja value.

    Task k publishes ``y<k> = y<k-1> + k`` (YAQL) and
    ``j<k> = j<k-1> ~ '-' ~ y<k-1>`` (Jinja), so every value depends on the
    ones published before it; the final pair is checked.
    """
    name = f"bench_publish_{tag}"
    lines = [
        "version: '2.0'",
        f"{name}:",
        "  input:",
        "    - y0: 0",
        "    - j0: s",
        "  output:",
        f"    y: <% $.y{PUBLISH_LENGTH} %>",
        f"    j: <% $.j{PUBLISH_LENGTH} %>",
        "  tasks:",
    ]
    y, j = 0, "s"
    for k in range(1, PUBLISH_LENGTH + 1):
        lines += [
            f"    t{k}:",
            "      action: std.noop",
            "      publish:",
            f"        y{k}: <% $.y{k - 1} + {k} %>",
            f"        j{k}: \"{{{{ _.j{k - 1} ~ '-' ~ _.y{k - 1} }}}}\"",
        ]
        if k < PUBLISH_LENGTH:
            lines += ["      on-success:", f"        - t{k + 1}"]
        y, j = y + k, f"{j}-{y}"
    definition = "\n".join(lines) + "\n"
    seconds, execution = run_one(api, definition, name, {}, timeout)
    check_execution(api, execution, {"y": y, "j": j}, PUBLISH_LENGTH)
    return [Sample("publish", seconds, PUBLISH_LENGTH, "tasks/s")]


def scenario_concurrent(api: Api, tag: str, timeout: float) -> list[Sample]:
    """50 executions of a 5-task chain, all started at once.

    Each execution gets its own input ``n`` and must output ``2 * n``, which
    also catches contexts leaking between executions.  Timed from the first
    start request until the last execution is terminal.
    """
    name = f"bench_concurrent_{tag}"
    lines = [
        "version: '2.0'",
        f"{name}:",
        "  input:",
        "    - n",
        "  output:",
        "    r: <% $.r %>",
        "  tasks:",
    ]
    for i in range(1, CONCURRENT_CHAIN + 1):
        lines += [f"    t{i}:", "      action: std.noop"]
        if i < CONCURRENT_CHAIN:
            lines += ["      on-success:", f"        - t{i + 1}"]
        else:
            lines += ["      publish:", "        r: <% $.n * 2 %>"]
    api.create_workflows("\n".join(lines) + "\n")

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(
            pool.map(
                lambda n: api.start_execution(name, {"n": n}),
                range(CONCURRENT_EXECUTIONS),
            )
        )
    wait_for_all(api, name, ids, started + timeout)
    seconds = time.monotonic() - started

    for n, execution_id in enumerate(ids):
        execution = api.get_execution(execution_id)
        check_execution(api, execution, {"r": 2 * n}, CONCURRENT_CHAIN)
    return [
        Sample("concurrent", seconds, CONCURRENT_EXECUTIONS, "executions/s")
    ]


def scenario_subworkflow(api: Api, tag: str, timeout: float) -> list[Sample]:
    """Parent workflow calling a child workflow 10 times in sequence.

    The child returns ``x + 1``; each parent task feeds the previous result
    to the next call, so the final output must be 10.
    """
    child = f"bench_sub_child_{tag}"
    parent = f"bench_sub_parent_{tag}"
    definition_lines = [
        "version: '2.0'",
        f"{child}:",
        "  input:",
        "    - x",
        "  output:",
        "    y: <% $.y %>",
        "  tasks:",
        "    inc:",
        "      action: std.noop",
        "      publish:",
        "        y: <% $.x + 1 %>",
        f"{parent}:",
        "  input:",
        "    - v: 0",
        "  output:",
        "    v: <% $.v %>",
        "  tasks:",
    ]
    for i in range(1, SUBWORKFLOW_CALLS + 1):
        definition_lines += [
            f"    c{i}:",
            f"      workflow: {child}",
            "      input:",
            "        x: <% $.v %>",
            "      publish:",
            "        v: <% task().result.y %>",
        ]
        if i < SUBWORKFLOW_CALLS:
            definition_lines += ["      on-success:", f"        - c{i + 1}"]
    definition = "\n".join(definition_lines) + "\n"
    seconds, execution = run_one(api, definition, parent, {}, timeout)
    check_execution(
        api, execution, {"v": SUBWORKFLOW_CALLS}, SUBWORKFLOW_CALLS
    )
    return [
        Sample("subworkflow", seconds, SUBWORKFLOW_CALLS, "subworkflows/s")
    ]


def scenario_upload(api: Api, tag: str, timeout: float) -> list[Sample]:
    """Time of ``POST /v2/workflows`` for a 50-task workflow definition."""
    name = f"bench_upload_{tag}"
    started = time.monotonic()
    workflows = api.create_workflows(noop_chain(name, UPLOAD_TASKS))
    seconds = time.monotonic() - started
    if workflows[0].get("name") != name:
        raise BenchError(
            f"upload returned workflow {workflows[0].get('name')!r}"
        )
    return [Sample("upload", seconds, UPLOAD_TASKS, "tasks/s")]


def _median_call(call: Callable[[], None]) -> float:
    timings = []
    for _ in range(LIST_CALLS):
        started = time.monotonic()
        call()
        timings.append(time.monotonic() - started)
    return statistics.median(timings)


def scenario_list(api: Api, tag: str, timeout: float) -> list[Sample]:
    """API latency: median of 20 ``GET /executions?limit=100`` and of 20
    ``GET /workflows`` (whatever the server already stores)."""

    def list_executions() -> None:
        if len(api.list_executions(limit=100)) > 100:
            raise BenchError(
                "GET /executions?limit=100 returned more than 100"
            )

    def list_workflows() -> None:
        api.get_list("/workflows", "workflows")

    return [
        Sample("list:executions", _median_call(list_executions), 1, "req/s"),
        Sample("list:workflows", _median_call(list_workflows), 1, "req/s"),
    ]


Scenario = Callable[[Api, str, float], list[Sample]]

SCENARIOS: dict[str, Scenario] = {
    "chain": scenario_chain,
    "join": scenario_join,
    "with_items": scenario_with_items,
    "with_items_c10": scenario_with_items_c10,
    "publish": scenario_publish,
    "concurrent": scenario_concurrent,
    "subworkflow": scenario_subworkflow,
    "upload": scenario_upload,
    "list": scenario_list,
    "scale_items": scenario_scale_items,
    "scale_tasks": scenario_scale_tasks,
}
# Run only when asked for: they take minutes against upstream.
OPTIONAL = ("scale_items", "scale_tasks")

# Table rows each scenario produces (so FAILED scenarios still get their rows).
ROWS: dict[str, list[str]] = {name: [name] for name in SCENARIOS}
ROWS["list"] = ["list:executions", "list:workflows"]
ROWS["scale_items"] = [f"items:{n}" for n in SCALE_ITEMS]
ROWS["scale_tasks"] = [f"tasks:{n}" for n in SCALE_TASKS]


# --------------------------------------------------------------------------
# Running and reporting
# --------------------------------------------------------------------------


@dataclass
class Outcome:
    """All runs of one scenario against one URL."""

    # One list of samples per successful run.
    samples: list[list[Sample]] = field(default_factory=list)
    error: str | None = None

    def median_seconds(self, row: str) -> float | None:
        values = [
            s.seconds for run in self.samples for s in run if s.row == row
        ]
        return statistics.median(values) if values else None

    def rate(self, row: str) -> tuple[float, str] | None:
        seconds = self.median_seconds(row)
        sample = next(
            (s for run in self.samples for s in run if s.row == row), None
        )
        if seconds is None or sample is None or seconds <= 0:
            return None
        return sample.count / seconds, sample.unit


def run_benchmarks(
    urls: list[str], scenarios: list[str], repeat: int, timeout: float
) -> list[dict[str, Outcome]]:
    """Run each scenario ``repeat`` times, alternating between the URLs.

    Returns one ``{scenario: Outcome}`` dict per URL, in the order given.
    """
    apis = [Api(url, timeout) for url in urls]
    results: list[dict[str, Outcome]] = [{} for _ in urls]
    run_id = f"{time.strftime('%H%M%S')}_{uuid.uuid4().hex[:6]}"
    for scenario in scenarios:
        for per_url in results:
            per_url[scenario] = Outcome()
        for rep in range(repeat):
            for index, (url, api) in enumerate(zip(urls, apis)):
                outcome = results[index][scenario]
                if outcome.error is not None:
                    continue
                tag = f"{run_id}_{index}_{rep}"
                label = f"[{scenario} #{rep + 1} @ {url}]"
                try:
                    samples = SCENARIOS[scenario](api, tag, timeout)
                except BenchError as exc:
                    outcome.error = str(exc)
                    print(
                        f"{label} FAILED: {exc}", file=sys.stderr, flush=True
                    )
                    continue
                except Exception as exc:  # noqa: BLE001 - bug or odd response
                    outcome.error = f"{type(exc).__name__}: {exc}"
                    print(
                        f"{label} FAILED: {outcome.error}",
                        file=sys.stderr,
                        flush=True,
                    )
                    continue
                outcome.samples.append(samples)
                figures = ", ".join(
                    f"{s.row}={format_seconds(s.seconds)}" for s in samples
                )
                print(f"{label} {figures}", file=sys.stderr, flush=True)
    return results


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def format_rate(rate: tuple[float, str] | None) -> str:
    if rate is None:
        return "-"
    value, unit = rate
    return f"{value:.3g} {unit}" if value < 1000 else f"{value:.0f} {unit}"


def render_table(
    urls: list[str], scenarios: list[str], results: list[dict[str, Outcome]]
) -> str:
    header = ["scenario"]
    for label in ("url", "compare")[: len(urls)]:
        header += [f"{label} seconds", f"{label} rate"]
    if len(urls) == 2:
        header.append("ratio (compare/url)")
    rows: list[list[str]] = []
    for scenario in scenarios:
        for row in ROWS[scenario]:
            cells = [row]
            medians: list[float | None] = []
            for per_url in results:
                outcome = per_url[scenario]
                if outcome.error is not None:
                    cells += ["FAILED", "-"]
                    medians.append(None)
                else:
                    median = outcome.median_seconds(row)
                    cells += [
                        format_seconds(median),
                        format_rate(outcome.rate(row)),
                    ]
                    medians.append(median)
            if len(urls) == 2:
                a, b = medians
                cells.append(f"{b / a:.2f}" if a and b else "-")
            rows.append(cells)
    widths = [
        max(len(r[i]) for r in [header] + rows) for i in range(len(header))
    ]
    lines = [" | ".join(c.ljust(w) for c, w in zip(header, widths))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    legend = [f"url     = {urls[0]}"]
    if len(urls) == 2:
        legend.append(f"compare = {urls[1]}")
    return "\n".join(legend + [""] + lines)


def failures(
    urls: list[str], scenarios: list[str], results: list[dict[str, Outcome]]
) -> list[str]:
    return [
        f"{scenario} @ {url}: {per_url[scenario].error}"
        for url, per_url in zip(urls, results)
        for scenario in scenarios
        if per_url[scenario].error is not None
    ]


def to_json(
    urls: list[str],
    scenarios: list[str],
    repeat: int,
    results: list[dict[str, Outcome]],
) -> dict[str, Any]:
    """``results`` is parallel to ``urls`` (url first, compare second)."""
    report: dict[str, Any] = {
        "urls": urls,
        "repeat": repeat,
        "scenarios": scenarios,
        "results": [],
    }
    for url, outcomes in zip(urls, results):
        per_url: dict[str, Any] = {}
        for scenario in scenarios:
            outcome = outcomes[scenario]
            per_url[scenario] = {
                "status": "FAILED" if outcome.error else "OK",
                "error": outcome.error,
                "runs": [[asdict(s) for s in run] for run in outcome.samples],
                "median_seconds": {
                    row: outcome.median_seconds(row) for row in ROWS[scenario]
                },
            }
        report["results"].append({"url": url, "scenarios": per_url})
    return report


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark a Mistral-compatible /v2 REST API."
    )
    parser.add_argument(
        "--url", required=True, help="base URL, e.g. http://127.0.0.1:8989/v2"
    )
    parser.add_argument(
        "--compare", help="second base URL measured in the same run"
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(n for n in SCENARIOS if n not in OPTIONAL),
        help=f"comma-separated subset of {','.join(SCENARIOS)} (default "
        f"all but {','.join(OPTIONAL)})",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per scenario; the median is reported",
    )
    parser.add_argument("--json", help="write all raw figures to this file")
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds allowed per scenario run and per HTTP request "
        "(default 600)",
    )
    args = parser.parse_args(argv)
    names = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in names if s not in SCENARIOS]
    if unknown or not names:
        parser.error(
            f"unknown scenarios {unknown}; choose from {','.join(SCENARIOS)}"
        )
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    args.scenario_list = names
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    urls = [args.url.rstrip("/")]
    if args.compare:
        urls.append(args.compare.rstrip("/"))
    results = run_benchmarks(
        urls, args.scenario_list, args.repeat, args.timeout
    )
    print(render_table(urls, args.scenario_list, results))
    failed = failures(urls, args.scenario_list, results)
    if failed:
        print("\nFAILED:")
        for line in failed:
            print(f"  {line}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(
                to_json(urls, args.scenario_list, args.repeat, results),
                fh,
                indent=2,
            )
            fh.write("\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
