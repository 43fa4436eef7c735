"""Run spiders through the real Scrapy engine, optionally against a replay of recorded responses."""

from __future__ import annotations

import contextlib
import functools
import logging
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings
from scrapy.spiderloader import SpiderLoader
from twisted.internet import defer

from . import settings as default_settings
from .replay import ReplayServer

log = logging.getLogger(__name__)

# Scrapy's start-up report (versions, every middleware and setting) and its closing stats dump: useful
# when debugging a spider (`callmatch -v`), noise beside the run's own one-line summary otherwise.
STARTUP_CHATTER = ("scrapy.utils.log", "scrapy.addons", "scrapy.middleware", "scrapy.crawler",
                   "scrapy.statscollectors")


def scrapy_settings(database_url: str, today: str | None = None, overrides: dict | None = None) -> ScrapySettings:
    settings = ScrapySettings()
    settings.setmodule(default_settings, priority="project")
    settings.set("CALLMATCH_DATABASE_URL", database_url, priority="project")
    if today:
        settings.set("CALLMATCH_TODAY", today, priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


@functools.cache  # it imports every spider module: once a process is enough
def _loader() -> SpiderLoader:
    return SpiderLoader.from_settings(scrapy_settings("unused"))


def spider_names() -> list[str]:
    return sorted(_loader().list())


class ArgumentError(ValueError):
    """A spider argument that cannot be used: `argument` names it and `problem` says what is wrong with
    its value (argument None: no spider takes it)."""

    def __init__(self, problem: str, argument: str | None = None):
        super().__init__(f"{argument}: {problem}" if argument else problem)
        self.argument, self.problem = argument, problem


def arguments_for(names: list[str], given: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each spider's share of the -a arguments, checked before anything runs by the readers the spiders
    declare: an argument none of the spiders takes, or a value one cannot use, is an ArgumentError."""
    loader = _loader()
    classes = {name: loader.load(name) for name in names}
    for key, value in given.items():
        takers = [cls for cls in classes.values() if key in cls.arguments]
        if not takers:
            takes = "; ".join(f"{name} takes: {', '.join(cls.arguments) or 'none'}" for name, cls in classes.items())
            raise ArgumentError(f"no spider given takes {key} ({takes})")
        for cls in takers:
            try:
                cls.arguments[key](value)
            except ValueError as exc:
                raise ArgumentError(str(exc), key) from None
    return {name: {k: v for k, v in given.items() if k in cls.arguments} for name, cls in classes.items()}


def replay_base_url(server: ReplayServer, spider_name: str) -> str:
    """Where a spider should point to be answered by the replay server: its live address's path, on loopback."""
    from urllib.parse import urlparse

    return server.url + urlparse(_loader().load(spider_name).base_url).path.rstrip("/")


def crawl(database_url: str, names: list[str], *, today: str | None = None, replay: Path | None = None,
          spider_args: dict[str, dict] | None = None, overrides: dict | None = None) -> None:
    """Run the spiders one after another in this process (the Twisted reactor runs once per process).

    `spider_args`: each spider's keyword arguments, by spider name (see arguments_for)."""
    overrides = dict(overrides or {})
    with contextlib.ExitStack() as stack:
        server = None
        if replay is not None:
            server = stack.enter_context(ReplayServer(replay))
            # A loopback replay needs neither politeness delays nor robots.txt.
            overrides.setdefault("AUTOTHROTTLE_ENABLED", False)
            overrides.setdefault("ROBOTSTXT_OBEY", False)
            overrides.setdefault("CONCURRENT_REQUESTS_PER_DOMAIN", 8)
        settings = scrapy_settings(database_url, today, overrides)
        _quiet_startup_chatter()
        process = CrawlerProcess(settings)
        # The command's own logging prints; Scrapy's chatter stays at its configured level.
        logging.getLogger("scrapy").setLevel(settings.get("LOG_LEVEL"))
        jobs = []
        for name in names:
            kwargs = dict((spider_args or {}).get(name, {}))
            if server is not None:
                kwargs["base_url"] = replay_base_url(server, name)
            jobs.append((name, kwargs))
        done = _one_after_another(process, jobs)
        if not done.called:  # (it is when every spider failed before the reactor was needed)
            done.addBoth(_stop_reactor)
            process.start(stop_after_crawl=False)


def _not_chatter(record: logging.LogRecord) -> bool:
    """Warnings and errors pass; so does the crawler's other news ("Received SIGINT, shutting down")."""
    if record.levelno >= logging.WARNING:
        return True
    if record.name == "scrapy.crawler":
        return record.levelno >= logging.INFO and not str(record.msg).startswith("Overridden settings")
    return False


def _quiet_startup_chatter() -> None:
    """A filter, not a level: building the CrawlerProcess resets Scrapy's logger levels, and it reports
    as it is built."""
    verbose = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
    for name in STARTUP_CHATTER:
        logger = logging.getLogger(name)
        logger.removeFilter(_not_chatter)
        if not verbose:
            logger.addFilter(_not_chatter)


@defer.inlineCallbacks
def _one_after_another(process: CrawlerProcess, jobs: list[tuple[str, dict]]):
    """Crawl each spider once the one before it closed: CrawlerProcess alone runs them all at once, and a
    spider may read what the one before it stored when it closed (the portal's stubs, for the details)."""
    for name, kwargs in jobs:
        crawler = None
        try:
            crawler = process.create_crawler(name)
            yield process.crawl(crawler, **kwargs)
        except Exception:  # one that could not start costs only itself; the crawl command names it
            log.exception("%s could not run", name)
        stats = getattr(crawler, "stats", None)
        if stats is not None and stats.get_value("finish_reason") == "shutdown":
            log.info("Stopped: the spiders after %s do not run", name)
            return


def _stop_reactor(_result) -> None:
    from twisted.internet import reactor

    with contextlib.suppress(RuntimeError):  # already stopped by a signal
        reactor.stop()
