"""What each crawler and importer did, and what the worker is doing now."""

from __future__ import annotations

from flask import Blueprint, render_template

from store import runs
from store.errors import CallmatchError

from . import db, settings

bp = Blueprint("sources", __name__)


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
    return render_template("sources.html", title="Sources", sources=runs.sources_overview(db()),
                           runs=runs.recent_runs(db(), 30),
                           jobs=jobs, queue_error=queue_error)
