"""The embedded Postgres: pgserver (PostgreSQL 16 with pgbench), or ``DATABASE_URL`` when it is set."""

import os
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import psycopg

from db.migrate import apply_migrations
from flashlab import REPO_ROOT

DEFAULT_DATA_DIR = REPO_ROOT / ".flashlab" / "pgdata"
SETTINGS = {"max_connections": "300", "shared_buffers": "256MB", "synchronous_commit": "on"}


@dataclass
class Database:
    url: str
    server: Any = None  # the pgserver handle when we started it

    def stop(self) -> None:
        """Stops the embedded server unless another live process still uses it."""
        if self.server is not None:
            _forget_dead_handles(self.server)
            self.server.cleanup()
            self.server = None


def _forget_dead_handles(server: Any) -> None:
    """pgserver counts the processes using a server; one killed without cleanup would keep it running forever."""
    handles = server.global_process_id_list
    handles.put([pid for pid in handles.get() if _alive(pid)])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_database(
    data_dir: Path = DEFAULT_DATA_DIR, fresh: bool = False, migrate: bool = True, embedded: bool = False
) -> Database:
    """Starts (or reuses) the embedded server and applies db/migrations with the deploy runner.

    ``$DATABASE_URL`` wins unless ``embedded`` is set (the bench truncates tables: never someone else's).
    """
    url = None if embedded else os.environ.get("DATABASE_URL")
    db = Database(url) if url else _start_embedded(data_dir, fresh)
    if migrate:
        with psycopg.connect(db.url) as conn:
            apply_migrations(conn)
    return db


def _start_embedded(data_dir: Path, fresh: bool) -> Database:
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")  # pgserver's platformdirs, harmless
    import pgserver

    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    _forget_dead_handles(server)
    url = server.get_uri()
    with psycopg.connect(url, autocommit=True) as conn:
        current: dict[str, str] = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                (["max_connections", "shared_buffers"],),
            ).fetchall()
        )
        if current.get("max_connections") != SETTINGS["max_connections"]:
            for name, value in SETTINGS.items():
                conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            restart = True
        else:
            restart = False
    if restart:  # max_connections needs a restart
        Database("", server).stop()
        server = pgserver.get_server(data_dir, cleanup_mode="stop")
        url = server.get_uri()
    return Database(url, server)


def restart_embedded(data_dir: Path, url: str, mode: str = "fast", pause_s: float = 0.0) -> None:
    """``pg_ctl stop -m <mode>``, a pause, then start again with pgserver's options; every connection dies.

    ``fast`` is a clean shutdown. ``immediate`` is a crash: no checkpoint, and WAL still in Postgres's own
    buffers, never written, is lost; recovery replays what reached the WAL files.
    """
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # made at import time

    socket_dir = parse_qs(urlparse(url).query)["host"][0]
    user = data_dir.owner() if os.geteuid() == 0 else None  # pgserver runs Postgres as its own user under root
    pg_ctl(["-w", "stop", "-m", mode], pgdata=data_dir, user=user)
    time.sleep(pause_s)
    pg_ctl(
        ["-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(data_dir / "log"), "start"],
        pgdata=data_dir,
        user=user,
    )
