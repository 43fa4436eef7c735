"""Crawl and import runs: every run is recorded with its counts, drop reasons and errors."""

from __future__ import annotations

import os
import socket
from collections.abc import Collection

import psutil
from psycopg.types.json import Jsonb

from .calls import DETAILS_SOURCE, RUN_UNITS, SOURCES, STUB_TOPIC
from .db import Database
from .text import counted, day

# A run that drops more than this share of what it saw is marked failed.
MAX_DROP_SHARE = 0.5
# The crawl statistic counting copies of a call already read in the same crawl (the portal lists some
# topics twice): merged into one, the richest kept, so neither dropped nor lost.
MERGED_STAT = "callmatch/merged"
# The crawl statistic counting partners a project lists without a name (keep.eu, Erasmus+): left out of
# their project, which is kept.
UNNAMED_STAT = "callmatch/partners without a name"
# The message of a run whose job died before finishing it, once the job's retry starts.
INTERRUPTED = "interrupted: the job stopped before the run finished, and was retried"
# The message of a run whose process is gone (killed, or the machine restarted) without finishing it.
ABANDONED = "interrupted: the process running it stopped before the run finished"
# `callmatch crawl`'s exit status when every spider ran but a run failed (1 is kept for a spider that
# could not start, 2 for a wrong command line): a script can tell, and the worker goes on to rank
# what the other spiders stored.
EXIT_RUN_FAILED = 3


def start_run(db: Database, source: str, job_id: str | None = None) -> int:
    """A new run. rq retries a job that died under the same id, so a run of that job still marked
    running is the dead attempt's: it is closed as interrupted rather than left running for ever.
    So is any run on this host whose process is gone."""
    if job_id:
        db.execute("UPDATE crawl_runs SET status = 'failed', finished_at = now(), message = %s"
                   " WHERE job_id = %s AND source = %s AND status = 'running'", (INTERRUPTED, str(job_id), source))
    close_abandoned(db)
    return db.scalar("INSERT INTO crawl_runs (source, job_id, process) VALUES (%s, %s, %s) RETURNING id",
                     (source, None if job_id is None else str(job_id), process_identity(os.getpid())))


def process_identity(pid: int) -> str | None:
    """'host pid start-time' of a live process, None if there is none (or only its zombie). The start
    time tells a process from a later one given the same pid, as after a restart."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        started = process.create_time()
    except psutil.NoSuchProcess:
        return None
    return f"{socket.gethostname()} {pid} {started:.2f}"


def close_abandoned(db: Database) -> int:
    """Close the runs started on this host whose process is gone; how many. Runs of other hosts are left
    as they are: whether their process lives cannot be told from here."""
    host = socket.gethostname()
    gone = [r["id"] for r in db.fetchall(
        "SELECT id, process FROM crawl_runs WHERE status = 'running' AND split_part(process, ' ', 1) = %s", (host,))
        if process_identity(int(r["process"].split(" ")[1])) != r["process"]]
    if gone:
        db.execute("UPDATE crawl_runs SET status = 'failed', finished_at = now(), message = %s"
                   " WHERE id = ANY(%s) AND status = 'running'", (ABANDONED, gone))
    return len(gone)


def judge(stored: int, seen: int, dropped: int, errors: int, idle: str | None = None) -> tuple[str, str]:
    """(status, message) of a finished run. `idle` is the spider's reason to have had nothing to read
    (the topic details, once no stub is left): only then is storing nothing not a failure."""
    if idle and seen == 0 and not errors:
        return "ok", f"nothing to do: {idle}"
    if stored == 0:
        return "failed", "nothing was stored"
    if seen and dropped / seen > MAX_DROP_SHARE:
        return "failed", f"{dropped} of {seen} items were dropped"
    if errors:
        return "partial", f"{counted(errors, 'page')} failed; everything else was kept"
    return "ok", "completed"


def finish_run(db: Database, run_id: int, *, pages: int, seen: int, new: int, updated: int, unchanged: int,
               dropped: int, drop_reasons: dict, errors: list, stats: dict, idle: str | None = None) -> dict:
    status, message = judge(new + updated + unchanged, seen, dropped, len(errors), idle)
    return db.fetchone(
        """UPDATE crawl_runs SET finished_at = now(), status = %s, message = %s, pages = %s, items_seen = %s,
               items_new = %s, items_updated = %s, items_unchanged = %s, items_dropped = %s,
               drop_reasons = %s, errors = %s, stats = %s
           WHERE id = %s RETURNING *""",
        (status, message, pages, seen, new, updated, unchanged, dropped, Jsonb(drop_reasons), Jsonb(errors),
         Jsonb(stats), run_id),
    )


def _counted(run: dict, stat: str) -> int:
    """One of the run's stored crawl statistics, 0 where it never counted any."""
    return int((run.get("stats") or {}).get(stat, 0))


def merged(run: dict) -> int:
    """How many duplicate records the run merged into calls it had already read."""
    return _counted(run, MERGED_STAT)


def unnamed_partners(run: dict) -> int:
    """How many partners the run left out of their projects for want of a name."""
    return _counted(run, UNNAMED_STAT)


def get_run(db: Database, run_id: int) -> dict | None:
    row = db.fetchone("SELECT r.*, s.kind AS source_kind FROM crawl_runs r JOIN sources s ON s.name = r.source"
                      " WHERE r.id = %s", (run_id,))
    return {**row, "counted_as": counted_as(row["source"], row["source_kind"])} if row else None


def counted_as(source: str, kind: str) -> str:
    """What a source's runs count as new, updated and dropped: calls for the call sources, projects for
    the partner sources, unless the source registry says otherwise (RUN_UNITS)."""
    return RUN_UNITS.get(source) or ("calls" if kind == "calls" else "projects")


def recent_runs(db: Database, limit: int = 50) -> list[dict]:
    rows = db.fetchall(
        "SELECT r.*, s.title AS source_title, s.kind AS source_kind"
        " FROM crawl_runs r JOIN sources s ON s.name = r.source ORDER BY r.started_at DESC LIMIT %s",
        (limit,),
    )
    return [{**row, "counted_as": counted_as(row["source"], row["source_kind"])} for row in rows]


def quiet(run: dict) -> bool:
    """A run that completed and changed nothing: a daily crawl on a quiet day, or a replay."""
    return (run["status"] == "ok" and not run["errors"]
            and not (run["items_new"] or run["items_updated"] or run["items_dropped"]))


def fold_quiet_runs(runs: list[dict], rows: int) -> list[dict]:
    """Runs newest first, each source's unbroken streak of quiet runs folded into its newest (`quiet_runs`
    more, back to `quiet_since`), so that a month of quiet daily crawls does not push a run that did
    something off the list; at most `rows` rows."""
    shown: list[dict] = []
    streak: dict[str, dict] = {}  # source -> its quiet row that older quiet runs fold into
    for run in runs:
        row, changed_nothing = streak.get(run["source"]), quiet(run)
        if row is not None and changed_nothing:
            row["quiet_runs"] += 1
            row["quiet_since"] = run["started_at"]
            continue
        if len(shown) == rows:
            break
        row = {**run, "quiet_runs": 0, "quiet_since": None}
        shown.append(row)
        streak[run["source"]] = row if changed_nothing else None
    return shown


def sources_overview(db: Database) -> list[dict]:
    """Every source with its latest run and how many calls or projects are stored from it; a source the
    product knows but never ran is listed too, with no run (started_at None).

    The topic details store no calls of their own, they complete the portal's: theirs is how many portal
    calls have a description (`stored`), how many stubs are left for them to complete (`stubs`, None
    for other sources) and how many of those had no details page when last asked (`stubs_without_page`)."""
    ran = db.fetchall(
        """SELECT s.*, r.status, r.started_at, r.finished_at, r.items_new, r.items_updated, r.items_dropped,
                  r.message, jsonb_array_length(r.errors) AS error_count,
                  CASE s.kind WHEN 'calls' THEN (SELECT count(*) FROM calls c WHERE c.source = s.name)
                              ELSE (SELECT count(*) FROM projects p WHERE p.source = s.name) END AS stored
           FROM sources s LEFT JOIN LATERAL (SELECT * FROM crawl_runs WHERE source = s.name
                                             ORDER BY started_at DESC LIMIT 1) r ON TRUE""")
    known = {row["name"] for row in ran}
    never = [{"name": name, "kind": kind, "title": title, "url": url, "status": None, "started_at": None, "stored": 0}
             for name, (kind, title, url) in SOURCES.items() if name not in known]
    portal = db.fetchone(f"SELECT count(*) FILTER (WHERE description_text <> '') AS described,"
                         f" count(*) FILTER (WHERE {STUB_TOPIC}) AS stubs,"
                         f" count(*) FILTER (WHERE {STUB_TOPIC} AND details_missing_on IS NOT NULL) AS without_page"
                         f" FROM calls WHERE source = 'ft_portal'")
    for row in ran + never:
        row["counted_as"] = counted_as(row["name"], row["kind"])
        row["stubs"] = row["stubs_without_page"] = None
        if row["name"] == DETAILS_SOURCE:
            row["stored"], row["stubs"], row["stubs_without_page"] = (
                portal["described"], portal["stubs"], portal["without_page"])
    return sorted(ran + never, key=lambda row: (row["kind"], row["title"]))


def failing_sources(db: Database, watched: Collection[str]) -> list[dict]:
    """The call sources among `watched` (the daily crawl's) whose latest finished run failed: what is
    stored from them may be out of date, and a user reading the ranked calls (or a digest's "no new
    calls") should know. A source taken out of the daily crawl is no longer anyone's concern. Each with
    the failed run's start and message, when the source last ran well (None: never), and all that as
    one line (`summary`)."""
    rows = db.fetchall(
        """SELECT s.name, s.title, r.started_at AS failed_at, r.message,
                  (SELECT max(g.finished_at) FROM crawl_runs g
                    WHERE g.source = s.name AND g.status IN ('ok', 'partial')) AS last_good
           FROM sources s JOIN LATERAL (SELECT * FROM crawl_runs WHERE source = s.name AND status <> 'running'
                                        ORDER BY started_at DESC LIMIT 1) r ON TRUE
           WHERE s.kind = 'calls' AND s.name = ANY(%s) AND r.status = 'failed' ORDER BY s.title""",
        (list(watched),))
    for row in rows:
        good = f"last good run {day(row['last_good'])}" if row["last_good"] else "no good run yet"
        row["summary"] = f"{row['title']} on {day(row['failed_at'])}: {row['message']}; {good}"
    return rows
