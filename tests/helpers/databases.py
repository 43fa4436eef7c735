"""Databases of their own for tests that need one beside the per-test clone: empty, or as an older release left it."""

import contextlib
import shutil

import psycopg
from psycopg import sql

from store import migrate
from store.db import Database


def fresh_database(server_url, name):
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = psycopg.conninfo.conninfo_to_dict(server_url)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo(**info)


@contextlib.contextmanager
def migrated_up_to(server_url, tmp_path, name, version):
    """A new database with the migrations before `version` applied: data as an older release left it."""
    before = tmp_path / f"before-{version}"
    before.mkdir()
    for migration in migrate.available():
        if migration.version < version:
            shutil.copy(migration.path, before)
    with Database(fresh_database(server_url, name)) as database:
        migrate.upgrade(database, before)
        yield database
