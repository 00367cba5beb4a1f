"""Sampling Postgres on a clock, on a connection of its own, while a ``with`` block runs: the bench's
pg_stat_activity sampler and the phase-2 lab's lock watch are both one of these."""

import threading
from typing import Self

import psycopg


class PostgresSampler:
    """Calls ``sample(conn)`` every ``interval`` seconds from a thread, until the ``with`` block ends."""

    def __init__(self, url: str, interval: float, application_name: str = "flashlab-sampler") -> None:
        self.interval = interval
        self._url, self._application_name = url, application_name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self, conn: psycopg.Connection) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._conn = psycopg.connect(self._url, autocommit=True, application_name=self._application_name)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._conn.close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample(self._conn)
