"""The periodic work: a daily backup, a daily crawl (or, with none, a daily ranking) and the digests.
Deterministic job ids make restarts harmless.

Each due run has a slot (the day, or the ISO week); its job id is a hash of the job and the slot,
and a Redis marker claims the slot, so two schedulers or a restart never queue the same run twice,
and a scheduler that was down catches up on the current slot when it starts.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

import redis

from store.config import Settings
from store.queue import enqueue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scheduled:
    name: str
    job: str
    args: tuple
    every: str  # 'daily' or 'weekly'
    hour: int = 0
    weekday: int = 0
    zone: tzinfo = timezone.utc  # the clock `hour` is read on, and the days and weeks begin by

    def slot(self, now: datetime) -> str | None:
        """The run that is due at `now`, or None before today's (or this week's) hour."""
        now = now.astimezone(self.zone)
        if now.hour < self.hour:
            return None
        if self.every == "daily":
            return now.strftime("%Y-%m-%d")
        if now.weekday() < self.weekday:
            return None
        year, week, _ = now.isocalendar()
        return f"{year}-W{week:02d}"

    def job_id(self, slot: str) -> str:
        return f"{self.name}-" + hashlib.sha1(f"{self.job}|{self.args}|{slot}".encode()).hexdigest()[:16]


def schedule(settings: Settings) -> list[Scheduled]:
    """The day's runs, at the hours set on the team's clock (CALLMATCH_TIMEZONE)."""
    entries, crawl_hour = [], {"hour": settings.crawl_hour, "zone": settings.zone}
    if settings.daily_backups:  # before the crawl: a copy of the day as the team left it
        entries.append(Scheduled("backup", "worker.jobs.backup_database", (), "daily", **crawl_hour))
    if settings.crawl_spiders:  # the crawl queues the ranking when it is done
        entries.append(Scheduled("crawl", "worker.jobs.crawl", (list(settings.crawl_spiders),), "daily", **crawl_hour))
    else:  # no crawl, but the deadline gates and the calls' statuses still move with the day
        entries.append(Scheduled("rank", "worker.jobs.rank_every_profile", (), "daily", **crawl_hour))
    # Digests run daily: each user's own frequency decides whether one is due (weekly users once a week).
    entries.append(Scheduled("digests", "worker.jobs.send_digests", (), "daily", hour=settings.digest_hour,
                             zone=settings.zone))
    return entries


def tick(conn: redis.Redis, entries: list[Scheduled], now: datetime | None = None) -> list[str]:
    """Queue every entry whose current slot has not been claimed yet; returns the job ids queued."""
    now = now or datetime.now(timezone.utc)
    queued = []
    for entry in entries:
        slot = entry.slot(now)
        if slot is None:
            continue
        job_id = entry.job_id(slot)
        if conn.set(f"callmatch:schedule:{job_id}", now.isoformat(), nx=True, ex=8 * 86400):
            enqueue(conn, entry.job, *entry.args, job_id=job_id)
            log.info("scheduled %s for %s as %s", entry.name, slot, job_id)
            queued.append(job_id)
    return queued


class SchedulerThread(threading.Thread):
    def __init__(self, conn: redis.Redis, entries: list[Scheduled], interval: float = 60.0):
        super().__init__(name="callmatch-scheduler", daemon=True)
        self.conn, self.entries, self.interval = conn, entries, interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                tick(self.conn, self.entries)
            except redis.RedisError as exc:  # Redis away for a moment: try again next minute
                log.warning("scheduler could not reach Redis: %s", exc)
            self.stopping.wait(self.interval)
