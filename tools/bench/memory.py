#!/usr/bin/env python3
"""Watch the memory of a Mistral process while it runs many executions.

Usage::

    python tools/bench/memory.py --url http://127.0.0.1:8989/v2 \
        --pid <engine pid> [--executions 10000] [--batch 500] \
        [--parallel 10] [--json out.json]

Runs ``--executions`` executions of a small workflow (a 5-task chain that
publishes and outputs a value, checked for every execution) in batches of
``--batch``, ``--parallel`` at a time, and after each batch reads the
resident set size (VmRSS) of process ``--pid`` from /proc. The process must
be on this machine. The report compares the RSS after warm-up (the first
fifth of the batches) with the RSS at the end: memory that keeps growing
with the number of executions shows as a positive slope in kB per 1,000
executions. Finished executions are deleted after each batch so the
database does not grow without end; pass --keep to leave them.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import pathlib
import sys
import time
import uuid

import requests

WORKFLOW = """\
version: '2.0'
{name}:
  input:
    - n
  output:
    r: <% $.r %>
  tasks:
    t1:
      action: std.noop
      on-success: [t2]
    t2:
      action: std.echo output=<% $.n %>
      publish: {{m: <% task().result %>}}
      on-success: [t3]
    t3:
      action: std.noop
      on-success: [t4]
    t4:
      action: std.noop
      on-success: [t5]
    t5:
      action: std.noop
      publish: {{r: <% $.m * 2 %>}}
"""

TERMINAL = {"SUCCESS", "ERROR", "CANCELLED"}


def rss_kb(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def run_execution(session: requests.Session, url: str, name: str,
                  n: int) -> str:
    resp = session.post(f"{url}/executions", timeout=60,
                        json={"workflow_name": name, "input": {"n": n}})
    resp.raise_for_status()
    execution_id = resp.json()["id"]
    delay = 0.02
    while True:
        body = session.get(f"{url}/executions/{execution_id}",
                           timeout=60).json()
        if body["state"] in TERMINAL:
            break
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)
    output = json.loads(body.get("output") or "{}")
    if body["state"] != "SUCCESS" or output != {"r": 2 * n}:
        raise RuntimeError(f"execution {execution_id}: {body['state']} "
                           f"{body.get('state_info')} output={output}")
    return execution_id


def slope_kb_per_1000(points: list[tuple[int, int]]) -> float:
    """Least-squares slope of RSS (kB) over executions, per 1,000."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    if var == 0:
        return 0.0
    cov = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return cov / var * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--executions", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--parallel", type=int, default=10)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    url = args.url.rstrip("/")

    name = f"bench_memory_{uuid.uuid4().hex[:8]}"
    resp = requests.post(f"{url}/workflows", timeout=60,
                         data=WORKFLOW.format(name=name).encode(),
                         headers={"Content-Type": "text/plain"})
    resp.raise_for_status()

    sessions: dict[int, requests.Session] = {}

    def one(n: int) -> str:
        key = n % args.parallel
        session = sessions.setdefault(key, requests.Session())
        return run_execution(session, url, name, n)

    points = [(0, rss_kb(args.pid))]
    print(f"{0:>7} executions  RSS {points[0][1] / 1024:8.1f} MiB",
          flush=True)
    done = 0
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(args.parallel) as pool:
        while done < args.executions:
            size = min(args.batch, args.executions - done)
            # Execution n of a batch always goes to the same session (n %
            # parallel), and the pool runs `parallel` at a time.
            ids = list(pool.map(one, range(done, done + size)))
            done += size
            if not args.keep:
                for execution_id in ids:
                    requests.delete(f"{url}/executions/{execution_id}",
                                    timeout=60)
            points.append((done, rss_kb(args.pid)))
            print(f"{done:>7} executions  RSS {points[-1][1] / 1024:8.1f} "
                  f"MiB  ({done / (time.monotonic() - started):.0f} "
                  "executions/s)", flush=True)

    warm = points[max(1, len(points) // 5):]
    report = {
        "executions": done,
        "rss_kb": points,
        "rss_after_warmup_kb": warm[0][1],
        "rss_end_kb": points[-1][1],
        "slope_after_warmup_kb_per_1000": round(slope_kb_per_1000(warm), 1),
    }
    print(f"after warm-up: {warm[0][1] / 1024:.1f} MiB at {warm[0][0]} "
          f"executions; end: {points[-1][1] / 1024:.1f} MiB; slope "
          f"{report['slope_after_warmup_kb_per_1000']} kB per 1,000 "
          "executions")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
