"""rq jobs, one per step. Exceptions propagate so that rq retries with back-off; nothing is swallowed.

Each job opens what it needs from the environment (DATABASE_URL, REDIS_URL are set by
`callmatch worker`), so a job runs the same on any worker machine.
"""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys

from rq import get_current_job

from store.config import Settings
from store.db import Database
from store.errors import NotFound
from store.runs import EXIT_RUN_FAILED
from store.services import database_url, redis_url
from store.text import counted

log = logging.getLogger(__name__)


def _progress(message: str) -> None:
    job = get_current_job()
    if job is not None:
        job.meta["progress"] = message
        job.save_meta()
        log.info("[%s] %s", job.id, message)


def _database(settings: Settings) -> Database:
    return Database(database_url(settings), max_size=2, zone=settings.timezone).open()


def crawl(spiders: list[str], replay: str | None = None, base_url: str | None = None, rank_after: bool = True) -> dict:
    """Run spiders in a child process (Scrapy's reactor runs once per process), then re-rank what changed.

    `replay` crawls recorded responses from a folder; `base_url` points the spiders at a mirror.
    """
    settings = Settings.from_env()
    _progress(f"crawling {', '.join(spiders)}")
    command = [sys.executable, "-c", "from cli.main import main; main()", "crawl", *spiders]
    if replay:
        command += ["--replay", replay]
    if base_url:
        command += ["--base-url", base_url, "--set", "AUTOTHROTTLE_ENABLED=false", "--set", "ROBOTSTXT_OBEY=false"]
    job = get_current_job()
    if job is not None:  # the run records its job, so that a retry can close a dead attempt's run
        command += ["--set", f"CALLMATCH_JOB_ID={json.dumps(job.id)}"]
    result = subprocess.run(command, capture_output=True, text=True)
    # A failed run is recorded (the sources page, the calls page and the digest show it) and the next
    # daily crawl tries again; what the other spiders stored is ranked now. Anything else is retried.
    if result.returncode not in (0, EXIT_RUN_FAILED):
        raise RuntimeError(f"crawl of {', '.join(spiders)} failed: {result.stderr.strip().splitlines()[-1:]}")
    summary = result.stdout.strip().splitlines()
    _progress("; ".join(summary) or "crawled")
    if rank_after:
        _chain_ranking(settings, "crawl:" + "|".join(summary))
    return {"summary": summary}


def import_cordis(path: str, rank_after: bool = False) -> dict:
    from crawlers import cordis

    settings = Settings.from_env()
    with _database(settings) as db:
        _progress(f"importing {path}")
        job = get_current_job()
        report = cordis.import_dump(db, path, progress=lambda done, total: _progress(f"{done}/{total} rows"),
                                    job_id=job.id if job is not None else None)
    if rank_after:
        _chain_ranking(settings, f"import:{path}:{report.changed}")
    return {"rows": report.rows, "changed": report.changed}


def rank_profile(profile_id: int | None = None) -> dict:
    """Embed what is new and re-score the calls whose inputs changed."""
    from matcher.embedder import Embedder, EmbeddingStore
    from matcher.ranking import rank_calls

    settings = Settings.from_env()
    with _database(settings) as db:
        store = EmbeddingStore(db, Embedder.from_settings(settings))
        try:
            result = rank_calls(db, store, profile_id, settings.as_of(),
                                progress=lambda done, total: _progress(f"embedded {done}/{total} texts"))
        except NotFound as exc:  # the profile was deleted after this job was queued: nothing to retry
            log.info("not ranked: %s", exc)
            _progress(f"skipped: {exc}")
            return {"profile": profile_id, "skipped": str(exc)}
        from matcher.organisation_search import index_organisations

        index_organisations(db, store, progress=lambda done, total: _progress(f"organisations {done}/{total}"))
    _progress(f"ranked {counted(result['calls'], 'call')}, {result['scored']} re-scored")
    return result


def rank_every_profile() -> dict:
    """The daily ranking when no daily crawl runs (a crawl queues one when it is done): the deadline
    gates and the calls' statuses are judged as of the day."""
    settings = Settings.from_env()
    queued = _chain_ranking(settings, f"daily:{settings.as_of()}")
    _progress(f"queued the ranking of {counted(queued, 'profile')}")
    return {"profiles": queued}


def learn_from_decisions(profile_id: int) -> dict:
    """Re-weight the profile's signals from its bid/no-bid decisions, and re-rank if the weights in use changed."""
    from matcher import learn
    from matcher.ranking import active_weights
    from store import profiles

    settings = Settings.from_env()
    with _database(settings) as db:
        profile = profiles.get_profile(db, profile_id)
        if profile is None:  # deleted after this job was queued
            _progress(f"skipped: profile {profile_id} no longer exists")
            return {"profile": profile_id, "skipped": "no such profile"}
        before = active_weights(profile)
        result = learn.learn(db, profile_id)
        changed = active_weights(profiles.get_profile(db, profile_id)) != before
    _progress(result["reason"] + ("; re-ranking" if changed else ""))
    if changed:
        from store.queue import connect_redis, enqueue

        with connect_redis(redis_url(settings)) as conn:
            enqueue(conn, "worker.jobs.rank_profile", profile_id)
    return {**result, "reranked": changed}


def send_digests() -> dict:
    from .digest import send_due_digests

    settings = Settings.from_env()
    with _database(settings) as db:
        run = send_due_digests(db, settings)
    _progress(f"sent {counted(len(run.sent), 'digest')}, {len(run.quiet)} with nothing new")
    return {"sent": run.sent, "nothing_new": run.quiet}


def tell_mentions(comment_id: int) -> dict:
    """Email the colleagues a comment (or an edit of it) mentions, at once."""
    return _at_once("send_mention_emails", comment_id, f"that comment {comment_id} mentions them")


def tell_handed_step(step_id: int) -> dict:
    """Email the colleague a step of an application was handed to, at once."""
    return _at_once("send_handed_step_email", step_id, f"the step {step_id} handed to them")


def tell_named_writer(decision_id: int) -> dict:
    """Email the colleague just named to write an application, at once."""
    return _at_once("send_writer_email", decision_id, f"that they write decision {decision_id}'s application")


def tell_answered_bid(decision_id: int) -> dict:
    """Email leadership's answer to a bid, at once, to whoever recorded it and whoever writes it."""
    return _at_once("send_answer_emails", decision_id, f"leadership's answer to decision {decision_id}")


def _at_once(sender: str, about: int, what: str) -> dict:
    """Run `worker.at_once`'s `sender` for the record `about`, and say whom it emailed `what`: the address, or
    the addresses, it wrote to (`sent`)."""
    from . import at_once

    settings = Settings.from_env()
    with _database(settings) as db:
        sent = getattr(at_once, sender)(db, settings, about)
    addresses = sent if isinstance(sent, list) else [sent] if sent else []
    _progress(f"emailed {', '.join(addresses)} {what}" if addresses else f"no email needed: {what}")
    return {"sent": sent}


def send_password_reset(user_id: int, welcomed_by: str | None = None) -> dict:
    """Email a user who forgot their password the link to choose a new one (or a new user, whom the admin
    `welcomed_by` added, the link to choose their first)."""
    from .at_once import send_password_reset_email

    settings = Settings.from_env()
    with _database(settings) as db:
        sent = send_password_reset_email(db, settings, user_id, welcomed_by)
    _progress(f"emailed user {user_id} a link to choose a new password" if sent else f"user {user_id}: no email")
    return {"sent": sent is not None}


def backup_database() -> dict:
    """Today's backup (made again, if the job runs twice in a day), keeping the newest CALLMATCH_DAILY_BACKUPS."""
    from store import backup

    settings = Settings.from_env()
    made = backup.backup(database_url(settings), backup.daily(settings.ensure_data_dir()))
    removed = backup.prune(settings.data_dir, settings.daily_backups)
    _progress(f"backed up to {made.path.name} ({made.size / 1e6:.1f} MB)"
              + (f"; removed {counted(len(removed), 'older daily backup')}" if removed else ""))
    return {"path": str(made.path), "bytes": made.size, "removed": [p.name for p in removed]}


def _chain_ranking(settings: Settings, what: str) -> int:
    """A finished crawl or import, or the daily ranking, queues re-ranking for every profile; returns how
    many profiles. The job id names the result it follows; rq queues again under an id it already holds,
    so it does not stop a second ranking, which costs little: unchanged inputs are not re-scored."""
    from store.profiles import ranked_profile_ids
    from store.queue import connect_redis, enqueue

    with _database(settings) as db:
        profile_ids = ranked_profile_ids(db)
    with connect_redis(redis_url(settings)) as conn:
        for profile_id in profile_ids:
            job_id = "rank-" + hashlib.sha1(f"{what}|{profile_id}".encode()).hexdigest()[:16]
            enqueue(conn, "worker.jobs.rank_profile", profile_id, job_id=job_id)
    return len(profile_ids)
