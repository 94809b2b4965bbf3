"""Where a sync benchmark's time goes: the SQL statements one call sends (and the server's own
execution time for each, from EXPLAIN ANALYZE), and a cProfile of the Python side."""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import re
from collections.abc import Callable
from contextlib import contextmanager

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection

from bench.common import progress


class Statements:
    """Records the statements an engine sends while `capturing()` is active."""

    def __init__(self, engine: Engine):
        self.sent: list[tuple[str, object]] = []
        self._on = False
        event.listen(engine, "before_cursor_execute", self._keep)

    def _keep(self, _conn, _cursor, statement, parameters, _context, _many) -> None:
        if self._on:
            self.sent.append((statement, parameters))

    @contextmanager
    def capturing(self):
        self.sent, self._on = [], True
        try:
            yield self
        finally:
            self._on = False


_TABLE = re.compile(r"\bFROM (\w+)", re.IGNORECASE)


def label(statement: str) -> str:
    """A short name for a statement: its verb and first table."""
    verb = statement.lstrip().split(None, 1)[0].upper()
    match = _TABLE.search(statement)
    return f"{verb} {match.group(1) if match else ''}".strip()


def explain(conn: Connection, statements: list[tuple[str, object]]) -> list[dict]:
    """EXPLAIN (ANALYZE) of each read: the server's execution time and the plan's top node.
    Writes are skipped (EXPLAIN ANALYZE would run them)."""
    out = []
    for statement, params in statements:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement,
                                    params).scalar()
        plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
        out.append({"query": label(statement), "ms": round(plan["Execution Time"], 3),
                    "rows": plan["Plan"].get("Actual Rows"), "plan": _nodes(plan["Plan"])})
    conn.rollback()
    return out


def _nodes(node: dict) -> str:
    parts, stack = [], [node]
    while stack:
        n = stack.pop(0)
        name = n["Node Type"]
        if "Index Name" in n:
            name += f" {n['Index Name']}"
        elif "Relation Name" in n:
            name += f" {n['Relation Name']}"
        parts.append(name)
        stack.extend(n.get("Plans", []))
    return " > ".join(parts)


def print_explained(title: str, explained: list[dict]) -> None:
    total = sum(e["ms"] for e in explained)
    lines = [f"{e['ms']:8.3f} ms {e['rows']!s:>6} rows  {e['query']:28} {e['plan']}"
             for e in explained]
    progress(f"{title}: {len(explained)} reads, {total:.2f} ms in the server\n    "
             + "\n    ".join(lines))


def profiled(fn: Callable[[], object], top: int = 25) -> object:
    """Run `fn` under cProfile and print the `top` functions by cumulative time (stderr)."""
    profile = cProfile.Profile()
    result = profile.runcall(fn)
    buffer = io.StringIO()
    pstats.Stats(profile, stream=buffer).sort_stats("cumulative").print_stats(top)
    progress("cProfile (cumulative):\n" + buffer.getvalue())
    return result
