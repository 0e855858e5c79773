"""Workflow definitions the functional and compat tests run."""
from __future__ import annotations

HELLO = """\
version: '2.0'
hello:
  input: [name]
  output:
    greeting: <% $.greeting %>
  tasks:
    greet:
      action: std.echo output="Hello, <% $.name %>!"
      publish:
        greeting: <% task().result %>
"""


# One task fans out to `width` parallel echoes; a `join: all` task collects
# every branch's published value.
def fan_out(width: int = 5) -> str:
    branches = ''.join(f"""
    branch{i}:
      action: std.echo output={i}
      publish:
        v{i}: <% task().result %>
      on-success: collect
""" for i in range(width))
    total = ' + '.join(f'$.v{i}' for i in range(width))
    names = ', '.join(f'branch{i}' for i in range(width))
    return f"""\
version: '2.0'
fan_out:
  output:
    total: <% $.total %>
    seen: <% $.seen %>
  tasks:
    start:
      action: std.noop
      on-success: [{names}]
{branches}
    collect:
      join: all
      action: std.echo output=<% {total} %>
      publish:
        total: <% task().result %>
        seen: <% [{', '.join(f'$.v{i}' for i in range(width))}] %>
"""


def chain(length: int, seconds: float) -> str:
    """`length` tasks in a row, each sleeping `seconds`."""
    tasks = ''.join(f"""
    t{i}:
      action: std.sleep seconds={seconds}
      publish:
        last: {i}
""" + (f'      on-success: t{i + 1}\n' if i + 1 < length else '')
        for i in range(length))
    return f"""\
version: '2.0'
chain:
  output:
    last: <% $.last %>
  tasks:{tasks}"""
