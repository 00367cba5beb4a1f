"""Round trips to Postgres, counted on the wire: libpq's trace has one ReadyForQuery per round trip."""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg


class Counted:
    total = 0


@contextmanager
def round_trips(conn: psycopg.Connection) -> Iterator[Counted]:
    counted = Counted()
    with tempfile.NamedTemporaryFile("w+") as trace:
        conn.pgconn.trace(trace.fileno())
        conn.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield counted
        finally:
            conn.pgconn.untrace()
            trace.flush()
            trace.seek(0)
            counted.total = sum(1 for line in trace if line.split("\t")[:3:2] == ["B", "ReadyForQuery"])
