"""The Redis connection that rq and the web app share."""

from __future__ import annotations

import redis

from .errors import QueueUnavailable


def connect_redis(url: str, check: bool = True) -> redis.Redis:
    # rq stores pickled payloads: it needs bytes, not decoded strings.
    conn = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)
    if check:
        try:
            conn.ping()
        except redis.RedisError as exc:
            raise QueueUnavailable(
                f"Cannot reach Redis at {url} ({exc}); background work is unavailable. "
                "Check REDIS_URL, or unset it to use the embedded server."
            ) from None
    return conn


def worker_connection(url: str) -> redis.Redis:
    """A connection for an rq worker, with no socket opened yet.

    The worker blocks on Redis for minutes waiting for a job, and rq lifts the socket timeout above
    that wait, but only for sockets opened after the worker is made: one opened earlier (by a ping)
    keeps 10 s, and the idle worker then fails with "Timeout reading from socket" every few seconds.
    """
    return connect_redis(url, check=False)


# Every job's limits, in one place: (job_timeout s, result_ttl s, failure_ttl s, retry intervals s).
JOB_POLICY = {
    "worker.jobs.crawl": (3600, 86400, 7 * 86400, [60, 300, 900]),
    "worker.jobs.import_cordis": (1800, 86400, 7 * 86400, [60, 300]),
    "worker.jobs.rank_profile": (1800, 86400, 7 * 86400, [30, 120, 600]),
    "worker.jobs.rank_every_profile": (300, 86400, 7 * 86400, [30, 120, 600]),
    "worker.jobs.learn_from_decisions": (300, 86400, 7 * 86400, [30, 120]),
    "worker.jobs.send_digests": (900, 86400, 7 * 86400, [60, 300, 900]),
    "worker.jobs.tell_mentions": (120, 86400, 7 * 86400, [60, 300, 900]),
    "worker.jobs.tell_handed_step": (120, 86400, 7 * 86400, [60, 300, 900]),
    "worker.jobs.tell_named_writer": (120, 86400, 7 * 86400, [60, 300, 900]),
    "worker.jobs.tell_answered_bid": (120, 86400, 7 * 86400, [60, 300, 900]),
    "worker.jobs.send_password_reset": (120, 3600, 86400, [30, 120]),  # its link works for an hour
    "worker.jobs.backup_database": (1800, 86400, 7 * 86400, [60, 300, 900]),
}
QUEUE_NAME = "callmatch"


def enqueue(conn: redis.Redis, job_name: str, *args, job_id: str | None = None, depends_on=None, **kwargs):
    """Queue a job by its dotted name (the web app never imports the worker)."""
    from rq import Queue, Retry

    timeout, result_ttl, failure_ttl, intervals = JOB_POLICY[job_name]
    queue = Queue(QUEUE_NAME, connection=conn)
    try:
        return queue.enqueue(
            job_name, args=args, kwargs=kwargs, job_id=job_id, depends_on=depends_on, job_timeout=timeout,
            result_ttl=result_ttl, failure_ttl=failure_ttl, retry=Retry(max=len(intervals), interval=intervals),
        )
    except redis.RedisError as exc:
        raise QueueUnavailable(f"Background work is unavailable: Redis did not answer ({exc}).") from None


def jobs(conn: redis.Redis, limit: int = 30) -> list[dict]:
    """Queued, running and failed jobs with progress and errors, newest first (for the UI and `callmatch jobs`)."""
    from rq import Queue
    from rq.job import Job
    from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry

    queue = Queue(QUEUE_NAME, connection=conn)
    try:
        # Queued jobs in the order they will run; the registries by when a job expires from them, which
        # with one time to live for all is when it ended: the newest first, or a busy day's list would
        # show its morning only.
        groups = [("queued", queue.get_job_ids(0, limit - 1)),
                  ("running", StartedJobRegistry(queue=queue).get_job_ids(0, limit - 1, desc=True)),
                  ("failed", FailedJobRegistry(queue=queue).get_job_ids(0, limit - 1, desc=True)),
                  ("finished", FinishedJobRegistry(queue=queue).get_job_ids(0, limit - 1, desc=True))]
        out = []
        for state, ids in groups:
            for job in Job.fetch_many(ids, connection=conn):
                if job is None:
                    continue
                result = job.latest_result() if state == "failed" else None
                error = (result.exc_string or "").strip().splitlines()[-1:] if result else []
                out.append({"id": job.id, "state": state, "name": job.func_name.rsplit(".", 1)[-1],
                            "args": job.args, "enqueued_at": job.enqueued_at, "started_at": job.started_at,
                            "ended_at": job.ended_at, "progress": job.meta.get("progress"),
                            "error": error[0] if error else None, "retries_left": job.retries_left})
        return out
    except redis.RedisError as exc:
        raise QueueUnavailable(f"Background work is unavailable: Redis did not answer ({exc}).") from None
