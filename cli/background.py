"""`callmatch worker`, `callmatch jobs`, `callmatch digest`: background work on rq."""

from __future__ import annotations

import click

from .context import AppContext
from .crawl import check_spiders
from .main import cli


@cli.command()
@click.option("--with-scheduler/--without-scheduler", default=True, show_default=True,
              help="Also queue the periodic work (daily crawl, digests) and retries that wait.")
@click.option("--burst", is_flag=True, help="Work until the queue is empty, then exit.")
@click.option("--recovery-interval", default=60, show_default=True, type=click.IntRange(min=1),
              help="Seconds between checks for jobs abandoned by a worker that died (they are retried).")
@click.pass_obj
def worker(app: AppContext, with_scheduler: bool, burst: bool, recovery_interval: int) -> None:
    """Run background jobs (crawl, import, embed and rank, digests). Run several for more throughput."""
    from rq import Queue

    from store.queue import QUEUE_NAME, worker_connection
    from worker.runner import PromptWorker
    from worker.schedule import SchedulerThread, schedule

    if with_scheduler:
        check_spiders(app.settings.crawl_spiders, "CALLMATCH_CRAWL_SPIDERS (the daily crawl)")
    app.database()  # migrate once before jobs start
    conn = app.redis()
    scheduler = None
    if with_scheduler:
        scheduler = SchedulerThread(conn, schedule(app.settings))
        scheduler.start()
    click.echo(f"Worker on queue '{QUEUE_NAME}'" + (" with the schedule" if scheduler else ""))
    # A job whose worker died is noticed once its heartbeat lapses (about a minute) and then retried.
    # rq looks for such jobs only between its waits for work, and an idle worker waits worker_ttl - 15
    # seconds (by default 405): the wait is cut to the recovery interval, so the check keeps to it.
    jobs_conn = worker_connection(app.services.redis_url)  # reachable: `conn` was checked above
    PromptWorker([Queue(QUEUE_NAME, connection=jobs_conn)], connection=jobs_conn, job_monitoring_interval=10,
                 maintenance_interval=recovery_interval, worker_ttl=recovery_interval + 15,
                 ).work(with_scheduler=with_scheduler, burst=burst)
    if scheduler:
        scheduler.stopping.set()


@cli.command()
@click.pass_obj
def jobs(app: AppContext) -> None:
    """What is queued, running, failed and finished in the last day, the latest first, with errors."""
    from store.queue import jobs as list_jobs
    from store.text import moment

    rows = list_jobs(app.redis())
    if not rows:
        click.echo("No jobs queued, running or recently finished.")
    for job in rows:
        started = moment(job["started_at"], app.settings.zone) if job["started_at"] else "not started"
        line = f"{job['state']:9} {job['name']:18} {started:22} {job['id'][:24]:24} {job['progress'] or ''}"
        if job["error"]:
            line += f"  error: {job['error']}"
        click.echo(line)


@cli.command()
@click.argument("what", type=click.Choice(["crawl", "rank", "digests", "backup"]))
@click.option("--spider", "spiders", multiple=True, help="For crawl: which spiders (default: the daily ones).")
@click.option("--replay", type=click.Path(exists=True, file_okay=False),
              help="For crawl: a folder of recorded responses.")
@click.option("--profile", "profile_id", type=int, help="For rank: this profile only (default: every profile).")
@click.pass_obj
def enqueue(app: AppContext, what: str, spiders, replay, profile_id: int | None) -> None:
    """Queue one piece of background work now (backup: today's daily backup, as the schedule makes it)."""
    from store import profiles
    from store.queue import enqueue as queue_job

    if what == "crawl":
        check_spiders(spiders, "--spider")
    if what == "rank":  # every profile, as after a crawl, unless one is named
        db = app.database()
        profile_ids = [profiles.require_profile(db, profile_id)] if profile_id else profiles.ranked_profile_ids(db)
    conn = app.redis()
    if what == "crawl":
        queued = [queue_job(conn, "worker.jobs.crawl", list(spiders or app.settings.crawl_spiders), replay)]
    elif what == "rank":
        queued = [queue_job(conn, "worker.jobs.rank_profile", pid) for pid in profile_ids]
    elif what == "digests":
        queued = [queue_job(conn, "worker.jobs.send_digests")]
    else:
        queued = [queue_job(conn, "worker.jobs.backup_database")]
    click.echo(f"Queued {what} as {'job' if len(queued) == 1 else 'jobs'} {', '.join(job.id for job in queued)}.")


@cli.group()
def digest() -> None:
    """Email digests."""


@digest.command("send")
@click.pass_obj
def digest_send(app: AppContext) -> None:
    """Send the digests that are due now (and only those). One with nothing new to tell is not sent: the
    next one covers its period."""
    from worker.digest import send_due_digests

    click.echo(send_due_digests(app.database(), app.settings).summary())
