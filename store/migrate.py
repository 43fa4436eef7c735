"""Ordered plain-SQL migrations: store/migrations/NNNN_name.sql, each applied once, in its own transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .db import Database

MIGRATIONS = Path(str(resources.files("store") / "migrations"))
REFERENCE_SCHEMA = Path(str(resources.files("store") / "schema.sql"))
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

# Two processes starting at once must not both migrate: one waits for the other.
_LOCK_ID = 0x63616C6C  # "call"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def available(folder: Path = MIGRATIONS) -> list[Migration]:
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"Migration file {path.name} is not named NNNN_name.sql.")
        found.append(Migration(int(match[1]), match[2], path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError("Two migration files share a version number.")
    return found


def applied(db: Database) -> set[int]:
    with db.connection() as conn:
        return _applied(conn)


def _applied(conn) -> set[int]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
    )
    conn.commit()
    return {row["version"] for row in conn.execute("SELECT version FROM schema_migrations")}


def upgrade(db: Database, folder: Path = MIGRATIONS) -> list[Migration]:
    """Apply what is missing; return what was applied (empty when up to date)."""
    done = []
    with db.connection() as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
        try:
            have = _applied(conn)
            for migration in available(folder):
                if migration.version in have:
                    continue
                with conn.transaction():
                    conn.execute(migration.sql())
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (migration.version, migration.name),
                    )
                done.append(migration)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))
            conn.commit()
    if done:
        # The vector type may be new: connections opened before it existed cannot see it.
        db.pool.drain()
    return done
