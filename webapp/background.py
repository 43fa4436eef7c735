"""Queueing background work from a page: the page never waits for it, and says so when it cannot be queued."""

from __future__ import annotations

from store.errors import CallmatchError

from . import settings


def queue(job_name: str, *args) -> str | None:
    """Queue a worker job by its dotted name; None when queued, else one sentence saying why not."""
    from store.queue import connect_redis, enqueue
    from store.services import redis_url

    try:
        with connect_redis(redis_url(settings())) as conn:
            enqueue(conn, job_name, *args)
    except CallmatchError as exc:
        return str(exc)
    return None
