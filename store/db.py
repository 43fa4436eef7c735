"""The connection pool, the boundary where psycopg errors become the project's own, and the one way text
searches are written as SQL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import psycopg
from pgvector.psycopg import register_vector
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from .errors import ConfigurationError, Conflict, DatabaseUnavailable, StoreError
from .services import redact
from .text import search_terms, word_start


def _configurer(zone: str | None):
    def configure(conn: psycopg.Connection) -> None:
        # The extension may not exist yet on a brand-new database: migrations create it.
        try:
            register_vector(conn)
        except psycopg.ProgrammingError:
            conn.rollback()
        if zone:
            # The session's clock is the team's, so that a day written in SQL (`%(today)s::date - 7`, set
            # beside a timestamptz) begins at the team's midnight, not the server's. A zone the server does
            # not know leaves its own: `Database.open` says so.
            try:
                conn.execute("SELECT set_config('TimeZone', %s, false)", (zone,))
                conn.commit()
            except psycopg.DataError:
                conn.rollback()
    return configure


class Database:
    """One pool per process. Use `with db.transaction() as cur:` for work that must land together."""

    def __init__(self, url: str, min_size: int = 1, max_size: int = 8, wait: float = 10.0, zone: str | None = None):
        self.url = url
        self.zone = zone  # the team's time zone, the sessions' clock (None: the server's)
        self.wait = wait  # seconds a query waits for a connection before it is refused with a reason
        self.pool = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            open=False,
            check=ConnectionPool.check_connection,
            configure=_configurer(zone),
            kwargs={"row_factory": dict_row, "connect_timeout": 5},
            name="callmatch",
        )

    def open(self, timeout: float = 15.0) -> "Database":
        """Connect, waiting up to `timeout` seconds for a server that may still be starting."""
        try:
            self.pool.open(wait=True, timeout=timeout)
        except PoolTimeout:
            self.pool.close()
            raise DatabaseUnavailable(
                f"Cannot connect to PostgreSQL at {redact(self.url)}; check DATABASE_URL and that the server runs."
            ) from None
        if self.zone and self.scalar("SELECT current_setting('TimeZone')").lower() != self.zone.lower():
            self.pool.close()
            raise ConfigurationError(f"PostgreSQL at {redact(self.url)} does not know the time zone {self.zone!r}"
                                     " (CALLMATCH_TIMEZONE); name one it lists in pg_timezone_names.")
        return self

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> "Database":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with translate_errors(self.url), self.pool.connection(timeout=self.wait) as conn:
            yield conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[psycopg.Cursor]:
        with self.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield cur

    @contextlib.contextmanager
    def claimed(self, query, params, mark: str) -> Iterator[dict | None]:
        """The row `query` finds (it ends FOR UPDATE ... SKIP LOCKED), held for the block, or None when there is
        none or another process holds it; `mark` (given the same `params`) runs when the block ends without
        an error. What an email at once is sent by: a failed send leaves the row unmarked, to be tried again."""
        with self.transaction() as cur:
            row = cur.execute(query, params).fetchone()
            yield row
            if row is not None:
                cur.execute(mark, params)

    def noted_now(self, table: str, keys: dict):
        """Sets the `at` of the row of `table` that `keys` (column: value) name to now, adding the row if there is
        none, and returns the `at` it held before (None: no row yet): when a user last looked at something (a
        list, a discussion), so that what came since is marked new."""
        names = [sql.Identifier(column) for column in keys]
        where = sql.SQL(" AND ").join(sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column))
                                      for column in keys)
        query = sql.SQL(
            """WITH before AS (SELECT at FROM {table} WHERE {where})
               INSERT INTO {table} ({columns}, at) VALUES ({values}, now())
               ON CONFLICT ({columns}) DO UPDATE SET at = EXCLUDED.at
               RETURNING (SELECT at FROM before)""").format(
            table=sql.Identifier(table), where=where, columns=sql.SQL(", ").join(names),
            values=sql.SQL(", ").join(sql.Placeholder(column) for column in keys))
        return self.scalar(query, keys)

    def fetchall(self, query, params=None) -> list[dict]:
        with self.connection() as conn:
            return conn.execute(query, params).fetchall()

    def fetchone(self, query, params=None) -> dict | None:
        with self.connection() as conn:
            return conn.execute(query, params).fetchone()

    def scalar(self, query, params=None):
        row = self.fetchone(query, params)
        return None if row is None else next(iter(row.values()))

    def execute(self, query, params=None) -> int:
        with self.connection() as conn:
            return conn.execute(query, params).rowcount


@contextlib.contextmanager
def translate_errors(url: str) -> Iterator[None]:
    try:
        yield
    except PoolTimeout as exc:
        # The pool waits alike for a server that went away and for connections all in use: say which.
        if down := _not_answering(url):
            raise DatabaseUnavailable(f"PostgreSQL at {redact(url)} is not answering ({down}). The page works"
                                      " again once it is back.") from exc
        raise DatabaseUnavailable(f"Every database connection stayed busy ({exc}). Try again in a moment.") from exc
    except psycopg.errors.UniqueViolation as exc:
        raise Conflict(first_line(exc)) from exc
    except psycopg.errors.IntegrityError as exc:
        raise Conflict(first_line(exc)) from exc
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(f"The database connection failed: {first_line(exc)}") from exc
    except psycopg.Error as exc:
        raise StoreError(f"The database refused the operation: {first_line(exc)}") from exc


def _not_answering(url: str) -> str | None:
    """Why a new connection to `url` fails now, or None when the server answers."""
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as exc:
        return first_line(exc)
    return None


def first_line(exc: Exception) -> str:
    """An exception's message without PostgreSQL's DETAIL and HINT lines, or its type when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# A search of more words than this reads only the first ones: each word is one more condition per row.
MAX_SEARCH_WORDS = 12


def every_word_in(columns: Sequence[str], search: str, params: dict, name: str) -> str:
    """A condition that every term of `search` (`search_terms`: a word, or words in quotation marks) begins a
    word in one of `columns` (`word_start`: "riga" finds "RIGAS", not "BRIGADE"), case aside, in any order
    and with any spacing between words ("social  innovation" finds "innovation for social ..."). Signs in a
    word match themselves. The patterns are added to `params` as name0, name1, ..."""
    clauses = []
    for n, term in enumerate(search_terms(search)[:MAX_SEARCH_WORDS]):
        params[f"{name}{n}"] = word_start(term)
        clauses.append("(" + " OR ".join(f"{column} ~* %({name}{n})s" for column in columns) + ")")
    return " AND ".join(clauses) or "TRUE"


def words_held(db: Database, table: str, column: str) -> dict[str, int]:
    """Every word of `table`'s `column` (one a search reads, kept without accents) in lower case, of three letters
    or more, with how many rows hold it: what a search that finds nothing is set right against
    (`store.text.respelt`). Keep them while `table_version` stays."""
    return {row["word"]: row["n"] for row in db.fetchall(sql.SQL(
        "SELECT w AS word, count(DISTINCT t.id) AS n FROM {table} t,"
        " regexp_split_to_table(lower(t.{column}), '[^a-z]+') w WHERE length(w) >= 3 GROUP BY w").format(
            table=sql.Identifier(table), column=sql.Identifier(column)))}


def table_version(db: Database, table: str) -> tuple:
    """(rows, newest id, latest `updated_at`) of `table`: changes whenever a row is added, removed or changed,
    in a table whose every change sets `updated_at`."""
    row = db.fetchone(sql.SQL("SELECT count(*) AS n, coalesce(max(id), 0) AS newest, max(updated_at) AS changed"
                              " FROM {}").format(sql.Identifier(table)))
    return row["n"], row["newest"], row["changed"]


def like_literal(text: str) -> str:
    """`text` escaped for LIKE, whose default escape character is the backslash."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
