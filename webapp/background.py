"""Queueing background work from a page: the page never waits for it, and says so when it cannot be queued."""

from __future__ import annotations

import time

from flask import current_app

from store.errors import CallmatchError
from store.text import and_list

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


def telling(job_name: str, arg, colleague: str, emailed: bool) -> str:
    """How a colleague hears at once of what was just handed to them (the end of a page's sentence): an email,
    queued now as `job_name(arg)`, if they take one (`emailed`); else, or when nothing can be queued, their
    digest."""
    return telling_each(job_name, arg, {colleague: emailed})


def telling_each(job_name: str, arg, colleagues: dict[str, bool]) -> str:
    """`telling` for several colleagues (each address with whether they take an email at once): one job,
    queued as `job_name(arg)`, emails those who do. "." when nobody is to be told."""
    emailed = [colleague for colleague, at_once in colleagues.items() if at_once]
    problem = queue(job_name, arg) if emailed else None
    if problem:
        emailed = []
    digest = [colleague for colleague in colleagues if colleague not in emailed]
    said = []
    if emailed:
        said.append(f"{and_list(emailed)} {'is' if len(emailed) == 1 else 'are'} emailed now")
    if digest:
        said.append(f"{and_list(digest)} will find it in their digest"
                    + (f" (no email now: {problem.rstrip('.')})" if problem else ""))
    return "".join(f"; {part}" for part in said) + "."


def background_unavailable() -> str | None:
    """Why background work is unavailable, checked at most every 30 s (a page never waits on Redis)."""
    _queue_state = current_app.extensions.setdefault("callmatch.queue_state", {"checked": -1e9, "error": None})
    if time.monotonic() - _queue_state["checked"] > current_app.config["QUEUE_CHECK_SECONDS"]:
        from store.queue import connect_redis
        from store.services import redis_url

        conn = None
        try:
            conn = connect_redis(redis_url(settings()), check=False)
            conn.connection_pool.connection_kwargs.update(socket_connect_timeout=0.5, socket_timeout=0.5)
            conn.ping()
            _queue_state["error"] = None
        except Exception as exc:  # any failure to reach Redis means the same thing to the user
            _queue_state["error"] = f"Background work is unavailable (Redis does not answer: {type(exc).__name__})."
        finally:
            if conn is not None:
                conn.close()  # one check every 30 s: no connection kept open for it
        _queue_state["checked"] = time.monotonic()
    return _queue_state["error"]
