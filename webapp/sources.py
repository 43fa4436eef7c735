"""What each crawler and importer did, and what the worker is doing now."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Blueprint, flash, redirect, render_template, url_for

from store import backup, runs
from store.errors import CallmatchError
from store.text import counted

from . import background, db, settings

bp = Blueprint("sources", __name__)
BACKUP_OVERDUE_DAYS = 2  # a daily backup older than this means the worker's backup stopped


def job_overview() -> tuple[list[dict], str | None]:
    """Queued, running and failed jobs, or why they cannot be shown."""
    from store.queue import connect_redis, jobs
    from store.services import redis_url

    try:
        with connect_redis(redis_url(settings())) as conn:
            return jobs(conn), None
    except CallmatchError as exc:
        return [], str(exc)


@bp.route("/sources")
def index():
    jobs, queue_error = job_overview()
    runs.close_abandoned(db())  # a crawl killed by hand on this machine is shown as interrupted, not running
    recent = [{**run, "merged": runs.merged(run), "unnamed": runs.unnamed_partners(run)}
              for run in runs.fold_quiet_runs(runs.recent_runs(db(), 500), rows=30)]
    # A backup that silently stopped is found out on the day it is needed: say so while it can be mended.
    latest_backup = backup.latest(settings().data_dir)
    daily_at = (latest_backup or {}).get("daily_at")
    overdue = bool(settings().daily_backups and daily_at
                   and datetime.now(timezone.utc) - daily_at > timedelta(days=BACKUP_OVERDUE_DAYS))
    return render_template("sources.html", title="Sources", sources=runs.sources_overview(db()),
                           runs=recent, daily=settings().crawl_spiders,
                           backups=settings().daily_backups, backup_hour=settings().crawl_hour,
                           latest_backup=latest_backup, backup_overdue=overdue, overdue_days=BACKUP_OVERDUE_DAYS,
                           jobs=jobs, queue_error=queue_error)


@bp.post("/sources/crawl")
def crawl_now():
    """Queue the daily crawl now (after a failed run, say), unless one is already waiting or running."""
    spiders = list(settings().crawl_spiders)
    jobs, problem = job_overview()
    if not spiders:
        flash("The daily crawl is off (CALLMATCH_CRAWL_SPIDERS=none); `callmatch crawl SPIDER` runs one by hand.")
    elif not problem and any(j["name"] == "crawl" and j["state"] in ("queued", "running") for j in jobs):
        flash("A crawl is already queued or running; its progress is below.")
    else:
        problem = problem or background.queue("worker.jobs.crawl", spiders)
        flash(f"The crawl could not be queued ({problem})" if problem else
              f"A crawl of the daily crawl's {counted(len(spiders), 'source')} is queued; its progress is below.")
    return redirect(url_for("sources.index"))
